import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type {
  RollbackBackend,
  RollbackProgress,
  RollbackRequest,
} from '../../src/deploy/backend.js';
import { argocdBackend } from '../../src/deploy/backends/argocd.js';
import { commandBackend } from '../../src/deploy/backends/command.js';
import { githubBackend } from '../../src/deploy/backends/github.js';
import { createBackendResolver } from '../../src/deploy/backends/registry.js';
import { signature, verifySignature, webhookBackend } from '../../src/deploy/backends/webhook.js';
import { AppError } from '../../src/errors.js';
import { type ArgoCdEmulator, startArgoCd } from '../emulators/deploy/argocd.js';
import {
  type GithubActionsEmulator,
  startGithubActions,
} from '../emulators/deploy/github-actions.js';
import {
  type RollbackReceiver,
  startRollbackReceiver,
} from '../emulators/deploy/rollback-receiver.js';

const now = () => new Date();
const SECRET = 'webhook-secret-0123456789';
const FAKE_DEPLOYER = join(import.meta.dirname, '../support/bin/fake-deployer.mjs');

const request = (overrides: Partial<RollbackRequest> = {}): RollbackRequest => ({
  rollbackId: 7,
  idempotencyKey: '3:checkout:production:11',
  service: 'checkout',
  environment: 'production',
  incidentId: 3,
  requestedBy: 'U0DEPLOYER',
  from: {
    deployId: 12,
    version: 'v2.0.0',
    sha: 'bbbbbbbbbbbb',
    handle: { revision: '18' },
    url: null,
  },
  to: {
    deployId: 11,
    version: 'v1.0.0',
    sha: 'aaaaaaaaaaaa',
    handle: { revision: '17', historyId: '4' },
    url: null,
  },
  callbackUrl: null,
  ...overrides,
});

/** Follows a running rollback the way the outbox does, without waiting between polls. */
async function follow(
  backend: RollbackBackend,
  req: RollbackRequest,
  limit = 20,
): Promise<RollbackProgress> {
  let progress = await backend.start(req);
  for (let i = 0; i < limit && progress.status === 'running'; i++)
    progress = await backend.poll(req, progress.operation);
  return progress;
}

describe('webhook backend against a real receiver', () => {
  let receiver: RollbackReceiver;
  beforeAll(async () => {
    receiver = await startRollbackReceiver(SECRET);
  });
  afterAll(() => receiver.close());
  afterEach(() => {
    receiver.requests.length = 0;
    receiver.rollbacks.length = 0;
  });
  const backend = (timeoutMs = 2000) =>
    webhookBackend(
      {
        url: `${receiver.url}/rollback`,
        secret: SECRET,
        timeoutMs,
        waitForMs: 60_000,
        pollIntervalMs: 10,
      },
      { now },
    );

  test('a signed POST names the target; a 200 succeeded is a success', async () => {
    receiver.mode = { kind: 'succeed' };
    const result = await backend().start(request());
    expect(result).toMatchObject({ status: 'succeeded', url: `${receiver.url}/runs/1` });
    expect(receiver.requests).toHaveLength(1);
    const [sent] = receiver.requests;
    expect(sent?.verified).toBe(true);
    expect(sent?.headers['idempotency-key']).toBe('3:checkout:production:11');
    expect(sent?.headers['x-firebreak-event']).toBe('rollback');
    expect(sent?.json).toMatchObject({
      type: 'rollback',
      service: 'checkout',
      environment: 'production',
      to: { version: 'v1.0.0', sha: 'aaaaaaaaaaaa', handle: { revision: '17' } },
      from: { version: 'v2.0.0' },
    });
  });

  test('an answer of 500 is a failure naming the status and what the receiver said', async () => {
    receiver.mode = { kind: 'http', status: 500 };
    await expect(backend().start(request())).rejects.toThrow(
      /answered 500: internal error in the deployer/,
    );
  });

  test('a receiver that does not answer in time is a failure naming the timeout', async () => {
    receiver.mode = { kind: 'hang', ms: 1500 };
    await expect(backend(200).start(request())).rejects.toThrow(/did not answer within 200 ms/);
  });

  test('a receiver that reports failure is a failure with its message', async () => {
    receiver.mode = { kind: 'fail', message: 'image v1.0.0 no longer in the registry' };
    expect(await backend().start(request())).toEqual({
      status: 'failed',
      reason: 'image v1.0.0 no longer in the registry',
      url: null,
    });
  });

  test('202 with a status URL is followed (signed GETs) to the outcome', async () => {
    receiver.mode = { kind: 'poll', runningPolls: 2, outcome: 'succeeded' };
    const result = await follow(backend(), request());
    expect(result.status).toBe('succeeded');
    expect(receiver.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'GET']);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    receiver.mode = { kind: 'poll', runningPolls: 0, outcome: 'failed' };
    expect(await follow(backend(), request({ idempotencyKey: 'other' }))).toMatchObject({
      status: 'failed',
      reason: 'pods crash-looping after rollback',
    });
  });

  test('202 without a status URL waits for the callback when the bot has a public URL', async () => {
    receiver.mode = { kind: 'callback', delayMs: 60_000, outcome: 'succeeded' };
    const req = request({ callbackUrl: 'http://127.0.0.1:9/webhooks/rollbacks/7' });
    const started = await backend().start(req);
    expect(started).toMatchObject({ status: 'running', operation: { awaiting: 'callback' } });
    if (started.status === 'running')
      expect((await backend().poll(req, started.operation)).status).toBe('running');
  });

  test('nothing listening: a failure saying it could not connect', async () => {
    const closed = webhookBackend(
      {
        url: 'http://127.0.0.1:9/rollback',
        secret: SECRET,
        timeoutMs: 2000,
        waitForMs: 1,
        pollIntervalMs: 1,
      },
      { now },
    );
    await expect(closed.start(request())).rejects.toThrow(/could not reach 127.0.0.1:9/);
  });

  test('signatures cover timestamp and body, and expire', () => {
    const at = new Date('2026-11-22T10:00:00Z');
    const ts = String(at.getTime() / 1000);
    const body = '{"status":"succeeded"}';
    const sig = signature(SECRET, ts, body);
    expect(verifySignature(SECRET, { timestamp: ts, signature: sig }, body, at)).toBe(true);
    expect(verifySignature(SECRET, { timestamp: ts, signature: sig }, `${body} `, at)).toBe(false);
    expect(
      verifySignature('another-secret-0123456789', { timestamp: ts, signature: sig }, body, at),
    ).toBe(false);
    expect(
      verifySignature(
        SECRET,
        { timestamp: ts, signature: sig },
        body,
        new Date(at.getTime() + 301_000),
      ),
    ).toBe(false);
    expect(verifySignature(SECRET, { timestamp: undefined, signature: sig }, body, at)).toBe(false);
  });
});

describe('command backend with a real executable', () => {
  let dir: string;
  let recordFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-command-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    rmSync(recordFile, { force: true });
  });
  const backend = (flags: string[] = [], timeoutMs = 10_000) => {
    recordFile = join(dir, `calls-${Math.random().toString(36).slice(2)}.jsonl`);
    return commandBackend({
      argv: [
        FAKE_DEPLOYER,
        '--record',
        recordFile,
        ...flags,
        '--',
        'rollout',
        'undo',
        '-n',
        '{{environment}}',
        'deployment/{{service}}',
        '--to-revision={{revision}}',
      ],
      timeoutMs,
      env: { PATH: process.env.PATH ?? '' },
    });
  };
  const calls = () =>
    existsSync(recordFile)
      ? readFileSync(recordFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as string[])
      : [];

  test('runs the argv with the values filled in and captures the output', async () => {
    const result = await backend().start(request());
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(result.status === 'succeeded' && result.output).toContain('rolled back');
    expect(calls()).toEqual([
      ['rollout', 'undo', '-n', 'production', 'deployment/checkout', '--to-revision=17'],
    ]);
  });

  test('a non-zero exit is a failure with the code and the output', async () => {
    const result = await backend(['--exit', '3']).start(request());
    expect(result).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('exited with code 3'),
    });
    expect(result.status === 'failed' && result.output).toContain('error: rollout failed (exit 3)');
  });

  test('a command past its timeout is stopped and reported', async () => {
    const started = Date.now();
    const result = await backend(['--sleep', '10000'], 300).start(request());
    expect(result).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('did not finish within 300 ms'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('an invalid template value is refused before anything runs', async () => {
    const b = backend();
    for (const bad of [
      request({ to: { ...request().to, handle: { revision: '17; rm -rf /' } } }),
      request({ to: { ...request().to, handle: { revision: '--kubeconfig=/etc/x' } } }),
      request({ service: 'Checkout API' }),
      request({ to: { ...request().to, handle: {} } }),
    ]) {
      expect(() => b.validate(bad)).toThrow(AppError);
    }
    expect(() =>
      b.validate(request({ to: { ...request().to, handle: { revision: '17;id' } } })),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid',
        message: expect.stringMatching(/revision "17;id" is not a numeric revision/),
      }),
    );
    expect(calls()).toEqual([]);
  });

  test('an executable that does not exist is a failure saying so', async () => {
    const missing = commandBackend({
      argv: ['/nonexistent/kubectl', 'rollout'],
      timeoutMs: 1000,
      env: {},
    });
    expect(await missing.start(request())).toMatchObject({
      status: 'failed',
      reason: '`/nonexistent/kubectl` was not found',
    });
  });
});

test("a rollback command sees PATH, HOME and its configured env, none of the bot's secrets", async () => {
  // As main.ts does: the secrets are in the process environment and loadConfig reads it.
  const secrets = {
    SLACK_BOT_TOKEN: 'xoxb-secret-bot-token',
    SLACK_SIGNING_SECRET: 'secret-signing-secret',
    INGEST_TOKEN: 'secret-ingest-token-0123',
    API_TOKEN: 'secret-api-token-0123456',
    GITHUB_WEBHOOK_SECRET: 'secret-github-webhook',
    KUBECONFIG: '/etc/firebreak/kubeconfig',
  };
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-command-env-'));
  const envFile = join(dir, 'env.json');
  const configPath = join(dir, 'firebreak.yaml');
  writeFileSync(
    configPath,
    `
services:
  checkout:
    environments:
      production:
        rollback:
          backend: command
          argv: ["${FAKE_DEPLOYER}", --env-to, "${envFile}", --, "{{revision}}"]
          env: { KUBECONFIG: "\${KUBECONFIG}", CLUSTER: prod-eu }
`,
  );
  const saved = { ...process.env };
  Object.assign(process.env, secrets, { FIREBREAK_CONFIG: configPath });
  try {
    const config = loadConfig(process.env);
    const backend = createBackendResolver(config.file.services, { now }).resolve(
      'checkout',
      'production',
    );
    expect(await backend?.start(request())).toMatchObject({ status: 'succeeded' });
    const seen = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    expect(seen).toMatchObject({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: '/etc/firebreak/kubeconfig',
      CLUSTER: 'prod-eu',
    });
    for (const name of Object.keys(secrets).filter((n) => n !== 'KUBECONFIG'))
      expect(seen).not.toHaveProperty(name);
    expect(Object.values(seen).join('\n')).not.toMatch(/secret/);
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('github backend against a GitHub Actions emulator', () => {
  let gh: GithubActionsEmulator;
  beforeAll(async () => {
    gh = await startGithubActions({ token: 'ghp_test_token' });
  });
  afterAll(() => gh.close());
  afterEach(() => {
    gh.requests.length = 0;
    gh.runs.length = 0;
    gh.returnRunDetails = true;
    gh.nextRun = { polls: 1, conclusion: 'success' };
  });
  const backend = (inputs: Record<string, string> = {}, token = 'ghp_test_token') =>
    githubBackend(
      {
        repo: 'acme/checkout',
        workflow: 'rollback.yml',
        ref: 'main',
        token,
        apiUrl: gh.url,
        inputs,
        timeoutMs: 2000,
        waitForMs: 60_000,
        pollIntervalMs: 10,
      },
      { now },
    );

  test('dispatches the workflow with inputs and follows the run it names to success', async () => {
    const b = backend({ version: '{{version}}', sha: '{{sha}}', incident: '{{incident}}' });
    const started = await b.start(request());
    expect(started).toMatchObject({
      status: 'running',
      url: expect.stringMatching(/^https:\/\/github.com\/acme\/checkout\/actions\/runs\/\d+$/),
    });
    const dispatch = gh.requests[0];
    expect(dispatch?.path).toBe('/repos/acme/checkout/actions/workflows/rollback.yml/dispatches');
    expect(dispatch?.json).toEqual({
      ref: 'main',
      inputs: { version: 'v1.0.0', sha: 'aaaaaaaaaaaa', incident: '3' },
      return_run_details: true,
    });
    expect(await follow(b, request())).toMatchObject({ status: 'succeeded' });
  });

  test('an older GitHub answering 204 still gets its run found and followed', async () => {
    gh.returnRunDetails = false;
    const result = await follow(backend(), request());
    expect(result).toMatchObject({
      status: 'succeeded',
      url: expect.stringContaining('/actions/runs/'),
    });
    expect(gh.runs[0]?.inputs).toEqual({ version: 'v1.0.0', environment: 'production' });
    expect(gh.requests.some((r) => r.path.endsWith('/workflows/rollback.yml/runs'))).toBe(true);
  });

  test('a run that concludes in failure is a failure', async () => {
    gh.nextRun = { polls: 0, conclusion: 'failure' };
    expect(await follow(backend(), request())).toMatchObject({
      status: 'failed',
      reason: 'the rollback workflow run concluded "failure"',
    });
  });

  test("a refused dispatch (422, 500, bad token) is a failure with GitHub's message", async () => {
    gh.failNextDispatch = { status: 422, message: 'Unexpected inputs provided: ["sha"]' };
    await expect(backend().start(request())).rejects.toThrow(
      /GitHub answered 422: Unexpected inputs provided/,
    );
    gh.failNextDispatch = { status: 500, message: 'Server Error' };
    await expect(backend().start(request())).rejects.toThrow(/GitHub answered 500/);
    await expect(backend({}, 'wrong').start(request())).rejects.toThrow(/401: Bad credentials/);
  });
});

describe('argocd backend against an Argo CD emulator', () => {
  let argo: ArgoCdEmulator;
  afterEach(() => argo.close());
  const start = async (autoSync: boolean) => {
    argo = await startArgoCd({
      token: 'argocd-token',
      app: 'checkout-prod',
      autoSync,
      history: [
        { id: 4, revision: 'a'.repeat(40) },
        { id: 5, revision: 'b'.repeat(40) },
      ],
    });
  };
  const backend = (disableAutoSync = true) =>
    argocdBackend(
      {
        url: argo.url,
        app: 'checkout-prod',
        token: 'argocd-token',
        disableAutoSync,
        timeoutMs: 2000,
        waitForMs: 60_000,
        pollIntervalMs: 10,
      },
      { now },
    );

  test('checks sync windows, turns auto-sync off, rolls back to the history id, follows it', async () => {
    await start(true);
    const started = await backend().start(request());
    expect(started).toMatchObject({
      status: 'running',
      detail: expect.stringContaining('turned off auto-sync'),
    });
    const calls = argo.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([
      'GET /api/v1/applications/checkout-prod/syncwindows',
      'GET /api/v1/applications/checkout-prod',
      'PATCH /api/v1/applications/checkout-prod',
      'POST /api/v1/applications/checkout-prod/rollback',
    ]);
    expect(argo.requests[3]?.json).toMatchObject({
      name: 'checkout-prod',
      id: 4,
      dryRun: false,
      prune: false,
    });
    expect(argo.app.autoSync).toBe(false);
    expect(argo.rollbacks).toEqual([4]);
    let progress: RollbackProgress = started;
    for (let i = 0; i < 5 && progress.status === 'running'; i++)
      progress = await backend().poll(
        request(),
        started.status === 'running' ? started.operation : {},
      );
    expect(progress).toMatchObject({
      status: 'succeeded',
      detail: expect.stringContaining('auto-sync'),
    });
  });

  test('auto-sync on and not allowed to turn it off: failure, no rollback asked', async () => {
    await start(true);
    expect(await backend(false).start(request())).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('auto-sync is on'),
    });
    expect(argo.rollbacks).toEqual([]);
  });

  test('a deny sync window: failure naming it, nothing changed', async () => {
    await start(false);
    argo.app.canSync = false;
    expect(await backend().start(request())).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('sync window'),
    });
    expect(argo.requests.map((r) => r.method)).toEqual(['GET']);
  });

  test("a rollback operation that fails is a failure with Argo CD's message", async () => {
    await start(false);
    argo.nextRollback = { polls: 0, phase: 'Failed', message: 'ComparisonError: rpc error' };
    expect(await follow(backend(), request())).toMatchObject({
      status: 'failed',
      reason: 'Argo CD: ComparisonError: rpc error',
    });
  });

  test('a target without a history id is refused before any call; a wrong token is a failure', async () => {
    await start(false);
    expect(() => backend().validate(request({ to: { ...request().to, handle: {} } }))).toThrow(
      /history_id/,
    );
    expect(argo.requests).toEqual([]);
    const wrong = argocdBackend(
      {
        url: argo.url,
        app: 'checkout-prod',
        token: 'nope',
        disableAutoSync: true,
        timeoutMs: 2000,
        waitForMs: 1,
        pollIntervalMs: 1,
      },
      { now },
    );
    await expect(wrong.start(request())).rejects.toThrow(
      /Argo CD \(checkout-prod\) answered 401: invalid session/,
    );
  });
});
