import type { RollbackBackend, RollbackProgress, RollbackRequest } from '../backend.js';
import { fill } from '../template.js';
import { asRecord, asString, BackendError, call, describeStatus } from './http.js';

// GitHub Actions: `workflow_dispatch` of the team's rollback workflow with inputs from the
// target deploy, then follow the run to its conclusion. With `return_run_details` (GitHub,
// 2026-02) the dispatch answers 200 with the run id; an older GitHub (GHES) answers 204 and we
// find the run among the workflow's dispatch runs created since.

export interface GithubBackendConfig {
  repo: string;
  workflow: string;
  ref: string;
  token: string;
  apiUrl: string;
  /** Workflow inputs, `{{variable}}` templates. Empty: `version` and `environment`. */
  inputs: Readonly<Record<string, string>>;
  timeoutMs: number;
  waitForMs: number;
  pollIntervalMs: number;
}

export const DEFAULT_INPUTS = { version: '{{version}}', environment: '{{environment}}' };
// Clock skew between us and GitHub when matching a run to our dispatch.
const SKEW_MS = 60_000;

export function githubBackend(
  config: GithubBackendConfig,
  deps: { now: () => Date },
): RollbackBackend {
  const api = config.apiUrl.replace(/\/+$/, '');
  const templates = Object.keys(config.inputs).length > 0 ? config.inputs : DEFAULT_INPUTS;
  const headers = {
    authorization: `Bearer ${config.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'firebreak',
    'content-type': 'application/json',
  };
  const workflowPath = `${api}/repos/${config.repo}/actions/workflows/${encodeURIComponent(config.workflow)}`;

  const inputsFor = (request: RollbackRequest) =>
    Object.fromEntries(Object.entries(templates).map(([k, t]) => [k, fill(t, request)]));

  async function get(url: string) {
    const answer = await call(url, { method: 'GET', headers, timeoutMs: config.timeoutMs });
    if (answer.status !== 200) throw new BackendError(describeStatus('GitHub', answer));
    return asRecord(answer.json);
  }

  function fromRun(
    run: Record<string, unknown>,
    operation: Record<string, unknown>,
  ): RollbackProgress {
    const url = asString(run.html_url);
    if (run.status !== 'completed') return { status: 'running', operation, url };
    if (run.conclusion === 'success')
      return { status: 'succeeded', url, detail: 'the workflow run succeeded' };
    return {
      status: 'failed',
      reason: `the rollback workflow run concluded "${String(run.conclusion ?? 'unknown')}"`,
      url,
    };
  }

  async function start(request: RollbackRequest): Promise<RollbackProgress> {
    const dispatchedAt = deps.now();
    const answer = await call(`${workflowPath}/dispatches`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        ref: config.ref,
        inputs: inputsFor(request),
        return_run_details: true,
      }),
      timeoutMs: config.timeoutMs,
    });
    if (answer.status === 204) {
      return {
        status: 'running',
        operation: { dispatchedAt: dispatchedAt.toISOString() },
        detail: `dispatched ${config.workflow} on ${config.repo}`,
      };
    }
    if (answer.status !== 200) throw new BackendError(describeStatus('GitHub', answer));
    const body = asRecord(answer.json);
    const runId = body.workflow_run_id;
    if (typeof runId !== 'number')
      throw new BackendError('GitHub accepted the dispatch but named no run');
    return {
      status: 'running',
      operation: { runId },
      url: asString(body.html_url),
      detail: `started ${config.workflow} on ${config.repo}`,
    };
  }

  async function poll(_request: RollbackRequest, operation: Record<string, unknown>) {
    const runId = operation.runId;
    if (typeof runId === 'number')
      return fromRun(await get(`${api}/repos/${config.repo}/actions/runs/${runId}`), operation);
    // 204 path: the newest dispatch run of this workflow on our ref created since we asked.
    const since = new Date(String(operation.dispatchedAt)).getTime() - SKEW_MS;
    const list = await get(
      `${workflowPath}/runs?event=workflow_dispatch&branch=${encodeURIComponent(config.ref)}&per_page=20`,
    );
    const runs = Array.isArray(list.workflow_runs) ? list.workflow_runs.map(asRecord) : [];
    const run = runs
      .filter((r) => new Date(String(r.created_at)).getTime() >= since)
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))[0];
    if (!run || typeof run.id !== 'number') return { status: 'running', operation } as const;
    return fromRun(run, { runId: run.id });
  }

  return {
    kind: 'github',
    label: `GitHub Actions ${config.repo} ${config.workflow}`,
    waitForMs: config.waitForMs,
    pollIntervalMs: config.pollIntervalMs,
    // A second dispatch would start a second run.
    idempotentStart: false,
    validate: (request) => void inputsFor(request),
    start,
    poll,
  };
}
