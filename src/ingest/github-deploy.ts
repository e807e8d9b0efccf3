import { z } from 'zod';
import { type DeployStatus, handleMap, type NormalizedDeploy } from './deploy.js';

// GitHub's deployment_status webhook (X-GitHub-Event: deployment_status). Only what we read.
const Time = z.string().nullish();
const OptionalText = z.string().nullish();

const DeploymentStatusEvent = z.object({
  deployment_status: z.object({
    state: z.string(),
    environment: OptionalText,
    target_url: OptionalText,
    log_url: OptionalText,
    environment_url: OptionalText,
    created_at: Time,
  }),
  deployment: z.object({
    id: z.union([z.number(), z.string()]),
    sha: z.string(),
    ref: OptionalText,
    task: OptionalText,
    environment: z.string(),
    // A JSON object, or the same as a string when the creator sent one.
    payload: z.unknown().optional(),
    creator: z.object({ login: z.string() }).nullish(),
    created_at: Time,
  }),
  repository: z.object({
    full_name: z.string(),
    name: z.string(),
    html_url: OptionalText,
    default_branch: OptionalText,
  }),
});

const STATE: Record<string, DeployStatus | null> = {
  queued: 'started',
  pending: 'started',
  in_progress: 'started',
  success: 'succeeded',
  failure: 'failed',
  error: 'failed',
  // GitHub marks older deployments inactive when a newer one succeeds: not news about a deploy.
  inactive: null,
};

// What firebreak reads from `deployment.payload` when the creator put it there.
const Payload = z
  .object({
    service: z.string().trim().min(1).max(200).optional(),
    // hubot-deploy's convention: the app name.
    name: z.string().trim().min(1).max(200).optional(),
    version: z.string().trim().min(1).max(200).optional(),
    previousVersion: z.string().trim().min(1).max(200).optional(),
    compareUrl: z.url().optional(),
    rollback: handleMap.optional(),
  })
  .catch({});

function payloadOf(raw: unknown): z.infer<typeof Payload> {
  if (typeof raw === 'string') {
    try {
      return Payload.parse(JSON.parse(raw));
    } catch {
      return {};
    }
  }
  return Payload.parse(raw ?? {});
}

const nonEmpty = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);
const time = (v: string | null | undefined): Date | null => {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};

/**
 * A `deployment_status` event → one deploy, or null when it says nothing about a deploy
 * (`inactive`, or a non-deploy task such as hubot's `deploy:lock`).
 */
export function githubDeploymentStatusToDeploy(body: unknown): NormalizedDeploy | null {
  const event = DeploymentStatusEvent.parse(body);
  const { deployment, deployment_status: status, repository } = event;
  const state = STATE[status.state];
  if (!state) return null;
  const task = deployment.task ?? 'deploy';
  if (!task.startsWith('deploy') || task === 'deploy:lock' || task === 'deploy:unlock') return null;
  const payload = payloadOf(deployment.payload);
  const ref = nonEmpty(deployment.ref);
  const sha = deployment.sha.toLowerCase();
  // A tag or release branch reads better than a SHA; the default branch says nothing.
  const version =
    payload.version ??
    (ref && ref !== repository.default_branch && ref !== deployment.sha ? ref : sha.slice(0, 12));
  const terminal = state !== 'started';
  return {
    source: 'github',
    sourceId: `${repository.full_name}#${deployment.id}`,
    serviceNames: [payload.service, payload.name, repository.full_name, repository.name].filter(
      (n): n is string => Boolean(n),
    ),
    environment: nonEmpty(status.environment) ?? deployment.environment,
    status: state,
    version,
    previousVersion: payload.previousVersion ?? null,
    sha,
    compareUrl: payload.compareUrl ?? null,
    repositoryUrl: nonEmpty(repository.html_url),
    actor: deployment.creator?.login ?? null,
    url:
      nonEmpty(status.log_url) ?? nonEmpty(status.target_url) ?? nonEmpty(status.environment_url),
    rollbackHandle: payload.rollback ?? null,
    isRollback: task.includes('rollback'),
    startedAt: time(deployment.created_at),
    finishedAt: terminal ? time(status.created_at) : null,
    commitAt: null,
  };
}
