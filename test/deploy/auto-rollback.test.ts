import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { RollbackBackend } from '../../src/deploy/backend.js';
import { webhookBackend } from '../../src/deploy/backends/webhook.js';
import type { Actor } from '../../src/incidents/events.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { findAutoRollback } from '../../src/store/auto-rollbacks.js';
import { activeFreezes } from '../../src/store/freezes.js';
import { outboxItems } from '../../src/store/outbox.js';
import { allRollbacks } from '../../src/store/rollbacks.js';
import { list } from '../../src/timeline/timeline.js';
import {
  type RollbackReceiver,
  startRollbackReceiver,
} from '../emulators/deploy/rollback-receiver.js';
import { deployCore } from '../support/deploy-core.js';

// The automatic rollback's shell on a real SQLite database with a controllable clock: the
// guard in the alert's unit of work, the durable countdown, Cancel, the deadline through the
// ordinary rollback path, and exactly one effect whatever races.

const SECRET = 'receiver-secret-0123456789';
const DEPLOYER: Actor = { id: 'U0DEPLOYER', source: 'slack' };
const STRANGER: Actor = { id: 'U0STRANGER', source: 'slack' };
const MIN = 60_000;

let receiver: RollbackReceiver;
beforeAll(async () => {
  receiver = await startRollbackReceiver(SECRET);
});
afterAll(() => receiver.close());
let close: (() => void) | undefined;
afterEach(() => {
  close?.();
  receiver.requests.length = 0;
  receiver.rollbacks.length = 0;
  receiver.mode = { kind: 'succeed' };
});

const webhook = (url = `${receiver.url}/rollback`): RollbackBackend =>
  webhookBackend(
    { url, secret: SECRET, timeoutMs: 1000, waitForMs: 60_000, pollIntervalMs: 10 },
    { now: () => new Date() },
  );

const alert = (key: string, severityLabel: string): NormalizedAlert => ({
  source: 'generic',
  key,
  groupKey: 'checkout-5xx',
  status: 'firing',
  title: 'Checkout 5xx',
  description: null,
  service: 'checkout-api',
  environment: 'production',
  severityLabel,
  labels: {},
  annotations: {},
  url: null,
  startsAt: null,
  endsAt: null,
});

async function setup(
  options: {
    mode?: 'shadow' | 'on';
    minSeverity?: 'sev1' | 'sev2';
    backend?: RollbackBackend | null;
  } = {},
) {
  const backend = options.backend === undefined ? webhook() : options.backend;
  const core = deployCore({
    backendFor: () => backend,
    autoRollback: {
      defaults: {
        mode: options.mode ?? 'on',
        window: 30 * MIN,
        minSeverity: options.minSeverity ?? 'sev1',
        veto: 2 * MIN,
        cooldown: 6 * 60 * MIN,
      },
      services: {},
      rollbacksExempt: true,
    },
  });
  close = core.close;
  await core.deploy('a', 'v1', 60);
  await core.deploy('b', 'v2', 6);
  const auto = core.autoRollbacks;
  if (!auto) throw new Error('no auto rollbacks');
  return { ...core, auto };
}

type Core = Awaited<ReturnType<typeof setup>>;
const rows = (core: Core) => core.store.read((tx) => allRollbacks(tx));
const row = async (core: Core, id = 1) => core.store.read((tx) => findAutoRollback(tx, id));
const entries = async (core: Core, kind: string) =>
  (await core.store.read((tx) => list(tx, 1))).filter((e) => e.kind === kind);
const notices = async (core: Core) =>
  (await core.store.read((tx) => outboxItems(tx)))
    .filter((o) => o.kind === 'deploy.notice')
    .map((o) => (o.payload as { notice: { type: string } & Record<string, unknown> }).notice);

/** Runs the rollback's outbox steps as the worker would, until it finishes. */
async function runRollback(core: Core, id: number) {
  for (let i = 0; i < 20; i++) {
    await core.rollbacks.step(id);
    const r = (await rows(core)).find((x) => x.id === id);
    if (r?.status === 'succeeded' || r?.status === 'failed') return r;
  }
  throw new Error('the rollback did not finish');
}

test('on: the alert schedules it with a veto; nothing runs before the deadline; at it, exactly one rollback by firebreak, then the freeze', async () => {
  const core = await setup();
  await core.alerts.ingest([alert('k1', 'critical')]);
  const decided = await row(core);
  expect(decided).toMatchObject({
    decision: 'scheduled',
    status: 'pending',
    service: 'checkout',
    environment: 'production',
    fromDeployId: 2,
    toDeployId: 1,
    deadlineAt: new Date(core.clock.now.getTime() + 2 * MIN),
  });
  const [entry] = await entries(core, 'auto_rollback_decided');
  expect(entry?.payload).toMatchObject({
    decision: 'scheduled',
    from: 'v2',
    to: 'v1',
    policy: 'deploys.autoRollback',
  });
  const [notice] = await notices(core);
  expect(notice).toMatchObject({
    type: 'auto_rollback_decided',
    decision: 'scheduled',
    vetoMs: 2 * MIN,
    rollback: { incidentId: 1, deployId: 2, toDeployId: 1 },
  });

  core.advance(1);
  expect(await core.auto.executeDue()).toBe(0);
  expect(await rows(core)).toHaveLength(0);

  core.advance(1);
  expect(await core.auto.executeDue()).toBe(1);
  expect(await core.auto.executeDue()).toBe(0);
  const [rollback] = await rows(core);
  expect(rollback).toMatchObject({ requestedBy: 'firebreak', fromDeployId: 2, toDeployId: 1 });
  expect(await row(core)).toMatchObject({ status: 'executed', rollbackId: rollback?.id });
  expect((await entries(core, 'auto_rollback_settled'))[0]?.payload).toMatchObject({
    status: 'executed',
    policy: 'deploys.autoRollback',
  });
  expect((await entries(core, 'rollback_requested'))[0]?.actor).toBe('firebreak');

  expect((await runRollback(core, rollback?.id ?? 0)).status).toBe('succeeded');
  expect(receiver.rollbacks).toHaveLength(1);
  expect(receiver.rollbacks[0]?.body).toMatchObject({ to: { version: 'v1' } });
  const freezes = await core.store.read((tx) => activeFreezes(tx, core.clock.now));
  expect(freezes).toHaveLength(1);
  expect(freezes[0]).toMatchObject({ services: ['checkout'], environments: ['production'] });
});

test('Cancel by a deployer stops it; a stranger may not cancel (audited); the deadline then does nothing', async () => {
  const core = await setup();
  await core.alerts.ingest([alert('k1', 'critical')]);
  await expect(core.auto.cancel(1, STRANGER)).rejects.toThrow(/not allowed to cancel/);
  expect((await entries(core, 'permission_denied'))[0]?.payload).toMatchObject({
    autoRollbackId: 1,
  });
  expect((await row(core))?.status).toBe('pending');

  expect((await core.auto.cancel(1, DEPLOYER)).cancelled).toBe(true);
  expect(await row(core)).toMatchObject({ status: 'cancelled', settledBy: 'U0DEPLOYER' });
  // A second Cancel is told it is already cancelled, and changes nothing.
  expect((await core.auto.cancel(1, DEPLOYER)).cancelled).toBe(false);
  expect(await entries(core, 'auto_rollback_settled')).toHaveLength(1);
  expect((await notices(core)).map((n) => n.type)).toEqual([
    'auto_rollback_decided',
    'auto_rollback_settled',
  ]);

  core.advance(3);
  expect(await core.auto.executeDue()).toBe(0);
  expect(await rows(core)).toHaveLength(0);
  expect(receiver.requests).toHaveLength(0);
});

test('two triggers at once: the severity raised twice makes one acting decision; two sweeps and a Cancel racing the deadline make one effect', async () => {
  const core = await setup({ minSeverity: 'sev2' });
  // Opened at sev3 (below minSeverity): no decision. Raised to sev2, then to sev1.
  await core.alerts.ingest([alert('warn', 'warning')]);
  expect(await row(core)).toBeUndefined();
  await Promise.all([
    core.alerts.ingest([alert('err', 'error')]),
    core.alerts.ingest([alert('crit', 'critical')]),
  ]);
  const decisions = await entries(core, 'auto_rollback_decided');
  const acting = decisions.filter((e) => e.payload.decision === 'scheduled');
  expect(acting).toHaveLength(1);
  for (const other of decisions.filter((e) => e.payload.decision !== 'scheduled'))
    expect(other.payload.reasons).toEqual([
      expect.stringMatching(/^an automatic rollback already ran for this incident/),
    ]);

  core.advance(3);
  const results = await Promise.all([
    core.auto.execute(1),
    core.auto.executeDue(),
    core.auto.execute(1),
    core.auto.cancel(1, DEPLOYER).then((r) => (r.cancelled ? 'cancelled' : null)),
  ]);
  const effects = results.filter((r) => r !== null && r !== 0);
  expect(effects).toHaveLength(1);
  const final = await row(core);
  expect(['executed', 'cancelled']).toContain(final?.status);
  expect(await rows(core)).toHaveLength(final?.status === 'executed' ? 1 : 0);
  expect(await entries(core, 'auto_rollback_settled')).toHaveLength(1);
});

test('shadow: records "would have", offers Roll back now, and never runs anything', async () => {
  const core = await setup({ mode: 'shadow' });
  await core.alerts.ingest([alert('k1', 'critical')]);
  expect(await row(core)).toMatchObject({ decision: 'shadow', status: 'none', deadlineAt: null });
  const [notice] = await notices(core);
  expect(notice).toMatchObject({
    type: 'auto_rollback_decided',
    decision: 'shadow',
    to: 'v1',
    rollback: { toDeployId: 1 },
  });
  core.advance(10);
  expect(await core.auto.executeDue()).toBe(0);
  expect(await rows(core)).toHaveLength(0);
});

test('a failed condition is named on the record and in the message, with the ordinary button', async () => {
  const core = await setup();
  await core.deploy('c', 'v2.1', 3);
  await core.alerts.ingest([alert('k1', 'critical')]);
  expect(await row(core)).toMatchObject({
    decision: 'refused',
    status: 'none',
    reasons: [expect.stringMatching(/^two deploys in the window \(v2\.1, v2 /)],
  });
  const [notice] = await notices(core);
  expect(notice).toMatchObject({ decision: 'refused', rollback: { deployId: 3 } });
});

test('a freeze that arrives during the veto stops it at the deadline, saying why, with the button', async () => {
  const core = await setup();
  await core.alerts.ingest([alert('k1', 'critical')]);
  await core.freezes.create(
    {
      services: ['checkout'],
      environments: ['production'],
      durationMs: 60 * MIN,
      reason: 'hands off',
      incidentId: null,
      channelId: 'C0OPS',
      blocksRollbacks: true,
    },
    DEPLOYER,
  );
  core.advance(3);
  expect(await core.auto.executeDue()).toBe(1);
  expect(await row(core)).toMatchObject({
    status: 'aborted',
    error: expect.stringMatching(/frozen/),
  });
  expect(await rows(core)).toHaveLength(0);
  const settled = (await notices(core)).find((n) => n.type === 'auto_rollback_settled');
  expect(settled).toMatchObject({ status: 'aborted', rollback: { toDeployId: 1 } });
});

test('Roll back now during the veto: the deadline finds it done and starts nothing new', async () => {
  const core = await setup();
  await core.alerts.ingest([alert('k1', 'critical')]);
  await core.rollbacks.request({ incidentId: 1, fromDeployId: 2, toDeployId: 1 }, DEPLOYER);
  core.advance(3);
  expect(await core.auto.executeDue()).toBe(1);
  expect(await row(core)).toMatchObject({ status: 'superseded', rollbackId: 1 });
  expect(await rows(core)).toHaveLength(1);
});

test('an unreachable backend during the automatic rollback is reported like a failed click, with Retry', async () => {
  const core = await setup({ backend: webhook('http://127.0.0.1:9/rollback') });
  await core.alerts.ingest([alert('k1', 'critical')]);
  core.advance(3);
  expect(await core.auto.executeDue()).toBe(1);
  const [rollback] = await rows(core);
  const finished = await runRollback(core, rollback?.id ?? 0);
  expect(finished.status).toBe('failed');
  const failed = (await notices(core)).find((n) => n.type === 'rollback_failed');
  expect(failed).toMatchObject({
    service: 'checkout',
    to: 'v1',
    retry: { incidentId: 1, deployId: 2, toDeployId: 1, retryOf: finished.id },
  });
  // Retry is the ordinary path: a person's click runs it again.
  const retried = await core.rollbacks.request(
    { incidentId: 1, fromDeployId: 2, toDeployId: 1, retryOf: finished.id },
    DEPLOYER,
  );
  expect(retried.created).toBe(true);
});

test('the cooldown: a second incident on the same service within it is refused, naming it', async () => {
  const core = await setup();
  await core.alerts.ingest([alert('k1', 'critical')]);
  core.advance(3);
  await core.auto.executeDue();
  await runRollback(core, 1);
  await core.incidents.resolve(1, 'rolled back', DEPLOYER);
  await core.freezes.lift(1, DEPLOYER);
  // Long enough for the rollback's own deploy to leave the window, well inside the cooldown.
  core.advance(60);
  await core.deploy('c', 'v3', 5);
  await core.alerts.ingest([{ ...alert('k2', 'critical'), groupKey: 'again' }]);
  const second = await core.store.read((tx) => findAutoRollback(tx, 2));
  expect(second).toMatchObject({
    incidentId: 2,
    decision: 'refused',
    reasons: [
      expect.stringMatching(
        /^an automatic rollback of checkout in production ran 63 min ago \(INC-1\); cooldown 6 h$/,
      ),
    ],
  });
});
