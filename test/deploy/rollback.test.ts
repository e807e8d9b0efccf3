import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { RollbackBackend } from '../../src/deploy/backend.js';
import { commandBackend } from '../../src/deploy/backends/command.js';
import { webhookBackend } from '../../src/deploy/backends/webhook.js';
import type { Actor } from '../../src/incidents/events.js';
import { allDeploys } from '../../src/store/deploys.js';
import { outboxItems } from '../../src/store/outbox.js';
import { allRollbacks, finishRollback, markRollbackRunning } from '../../src/store/rollbacks.js';
import { list } from '../../src/timeline/timeline.js';
import {
  type RollbackReceiver,
  startRollbackReceiver,
} from '../emulators/deploy/rollback-receiver.js';
import { deployCore } from '../support/deploy-core.js';

const SECRET = 'receiver-secret-0123456789';
const deployer: Actor = { id: 'U0DEPLOYER', source: 'slack' };
const groupie: Actor = { id: 'U0GROUPIE1', source: 'slack', groups: ['S0DEPLOYS'] };
const FAKE_DEPLOYER = join(import.meta.dirname, '../support/bin/fake-deployer.mjs');

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

const webhook = (waitForMs = 60_000): RollbackBackend =>
  webhookBackend(
    {
      url: `${receiver.url}/rollback`,
      secret: SECRET,
      timeoutMs: 2000,
      waitForMs,
      pollIntervalMs: 10,
    },
    { now: () => new Date() },
  );

async function setup(
  backend: RollbackBackend | null = webhook(),
  options: Parameters<typeof deployCore>[0] = {},
) {
  const core = deployCore({
    backendFor: () => backend,
    deployers: ['U0DEPLOYER', 'S0DEPLOYS'],
    ...options,
  });
  close = core.close;
  await core.deploy('a', 'v1', 60);
  await core.deploy('b', 'v2', 6);
  const incident = await core.incidents.declare(
    { title: 'Checkout down', severity: 'sev1', services: ['checkout'] },
    {
      id: 'U0OWNER001',
      source: 'slack',
    },
  );
  return { ...core, incident, ask: { incidentId: incident.id, fromDeployId: 2, toDeployId: 1 } };
}

test('a deployer by user group may roll back; the request is one transaction with its outbox items', async () => {
  const core = await setup();
  const { rollback, created } = await core.rollbacks.request(core.ask, groupie);
  expect(created).toBe(true);
  expect(rollback).toMatchObject({
    status: 'requested',
    idempotencyKey: '1:checkout:production:1',
    backend: 'webhook',
  });
  const items = (await core.store.read((tx) => outboxItems(tx))).filter((o) =>
    o.kind.startsWith('deploy.'),
  );
  expect(items.map((o) => [o.kind, o.lane])).toEqual([
    ['deploy.notice', 'chat:incident:1'],
    ['deploy.rollback', 'deploy:checkout:production'],
  ]);
  await core.rollbacks.step(rollback.id);
  expect(await core.rollbacks.find(rollback.id)).toMatchObject({ status: 'succeeded' });
  expect(receiver.rollbacks).toHaveLength(1);
});

test('freezes: exempt by default, blocking when the freeze says so or when rollbacks are not exempt', async () => {
  const core = await setup();
  await core.freezes.create(
    { services: ['checkout'], environments: ['production'], reason: 'release train' },
    deployer,
  );
  const first = await core.rollbacks.request(core.ask, deployer);
  expect(first.created).toBe(true);
  close?.();

  const blocked = await setup();
  await blocked.freezes.create(
    { services: ['*'], environments: ['prod*'], reason: 'datacenter move', blocksRollbacks: true },
    deployer,
  );
  await expect(blocked.rollbacks.request(blocked.ask, deployer)).rejects.toThrow(
    expect.objectContaining({
      code: 'frozen',
      message: expect.stringContaining('datacenter move'),
    }),
  );
  close?.();

  const strict = await setup(webhook(), { rollback: { rollbacksExempt: false } });
  await strict.freezes.create(
    { services: ['checkout'], environments: ['production'], reason: 'audit' },
    deployer,
  );
  await expect(strict.rollbacks.request(strict.ask, deployer)).rejects.toThrow(
    expect.objectContaining({ code: 'frozen' }),
  );
  expect(await strict.store.read((tx) => allRollbacks(tx))).toEqual([]);
});

test('one rollback per service and environment at a time; a stale target and a missing backend are refused', async () => {
  const core = await setup();
  await core.rollbacks.request(core.ask, deployer);
  // Another rollback of the same service+environment (no incident, other door) while it runs.
  await expect(
    core.rollbacks.request({ incidentId: null, fromDeployId: 2, toDeployId: 1 }, deployer),
  ).rejects.toThrow(
    expect.objectContaining({
      code: 'conflict',
      message: expect.stringContaining('already under way'),
    }),
  );
  close?.();

  const stale = await setup();
  stale.deploy('c', 'v3', 1);
  // The button said "to v1" for the suspect v2; v2 is still the suspect and v1 its target: fine.
  // But asking to go from v3 to v1 skips v2, which is not what that button showed.
  await expect(
    stale.rollbacks.request({ incidentId: 1, fromDeployId: 3, toDeployId: 1 }, deployer),
  ).rejects.toThrow(
    expect.objectContaining({ code: 'conflict', message: expect.stringContaining('is now v2') }),
  );
  close?.();

  const none = await setup(null);
  await expect(none.rollbacks.request(none.ask, deployer)).rejects.toThrow(
    expect.objectContaining({
      code: 'invalid',
      message: expect.stringContaining('services.checkout.environments.production.rollback'),
    }),
  );
  expect((await none.rollbacks.plan('checkout', 'production')).problem).toContain(
    'No rollback backend',
  );
});

test('success: a deploy of the target version is recorded, the service is frozen, and the undone version is never a target again', async () => {
  const core = await setup();
  const { rollback } = await core.rollbacks.request(core.ask, deployer);
  await core.rollbacks.step(rollback.id);
  const rows = await core.store.read((tx) => allDeploys(tx));
  expect(rows.at(-1)).toMatchObject({
    source: 'firebreak',
    version: 'v1',
    isRollback: true,
    status: 'succeeded',
  });
  expect(await core.freezes.gate('checkout', 'production')).toMatchObject({ allowed: false });
  expect((await core.store.read((tx) => list(tx, 1))).map((e) => e.kind)).toEqual(
    expect.arrayContaining([
      'rollback_requested',
      'rollback_started',
      'rollback_succeeded',
      'freeze_created',
    ]),
  );
  // Rolling back "the latest" now would land on v2, which was just undone: there is nothing to go to.
  expect(await core.rollbacks.plan('checkout', 'production')).toMatchObject({
    from: { version: 'v1', isRollback: true },
    to: null,
    problem: expect.stringContaining('no earlier successful deploy'),
  });
  // The same click again after success changes nothing.
  expect(await core.rollbacks.request(core.ask, deployer)).toMatchObject({
    created: false,
    rollback: { status: 'succeeded' },
  });
});

test('an asynchronous receiver is polled until done; past waitFor it is a failure', async () => {
  const core = await setup();
  // Running at the first status check, done at the second.
  receiver.mode = { kind: 'poll', runningPolls: 1, outcome: 'succeeded' };
  const { rollback } = await core.rollbacks.request(core.ask, deployer);
  await core.rollbacks.step(rollback.id);
  expect(await core.rollbacks.find(rollback.id)).toMatchObject({
    status: 'running',
    operation: { statusUrl: expect.any(String) },
  });
  const polls = async () =>
    (await core.store.read((tx) => outboxItems(tx))).filter(
      (o) => o.kind === 'deploy.rollback' && o.status === 'pending',
    );
  // The first step is still pending (the worker completes it); the next poll is queued behind it.
  expect((await polls()).length).toBe(2);
  await core.rollbacks.step(rollback.id);
  expect((await core.rollbacks.find(rollback.id))?.status).toBe('running');
  await core.rollbacks.step(rollback.id);
  expect((await core.rollbacks.find(rollback.id))?.status).toBe('succeeded');
  close?.();

  const slow = await setup(webhook(60_000));
  receiver.mode = { kind: 'poll', runningPolls: 100, outcome: 'succeeded' };
  const second = (await slow.rollbacks.request(slow.ask, deployer)).rollback;
  await slow.rollbacks.step(second.id);
  slow.advance(61);
  await slow.rollbacks.step(second.id);
  expect(await slow.rollbacks.find(second.id)).toMatchObject({
    status: 'failed',
    error: expect.stringContaining('did not report a result within 1 min'),
  });
});

test('after a crash between "running" and the backend\'s answer: resent when safe, else failed with advice', async () => {
  const idempotent = await setup();
  const a = (await idempotent.rollbacks.request(idempotent.ask, deployer)).rollback;
  // What a crash leaves behind: marked running, nothing stored from the backend.
  await idempotent.store.tx((tx) => markRollbackRunning(tx, a.id, idempotent.clock.now));
  await idempotent.rollbacks.step(a.id);
  expect((await idempotent.rollbacks.find(a.id))?.status).toBe('succeeded');
  expect(receiver.requests[0]?.headers['idempotency-key']).toBe(a.idempotencyKey);
  close?.();

  const once = await setup(
    commandBackend({
      argv: [FAKE_DEPLOYER, '--', 'x', '{{revision}}'],
      timeoutMs: 5000,
      env: { PATH: process.env.PATH ?? '' },
    }),
  );
  const b = (await once.rollbacks.request(once.ask, deployer)).rollback;
  await once.store.tx((tx) => markRollbackRunning(tx, b.id, once.clock.now));
  await once.rollbacks.step(b.id);
  expect(await once.rollbacks.find(b.id)).toMatchObject({
    status: 'failed',
    error: expect.stringContaining('may or may not have started'),
  });
});

test('a late callback after the outcome is recorded changes nothing', async () => {
  const core = await setup();
  const { rollback } = await core.rollbacks.request(core.ask, deployer);
  receiver.mode = { kind: 'fail', message: 'no capacity' };
  await core.rollbacks.step(rollback.id);
  expect(await core.rollbacks.report(rollback.id, { status: 'succeeded' })).toBe(false);
  expect(await core.rollbacks.find(rollback.id)).toMatchObject({
    status: 'failed',
    error: 'no capacity',
  });
  expect(
    (await core.store.read((tx) => list(tx, 1)))
      .filter((e) => e.kind.startsWith('rollback_'))
      .map((e) => e.kind),
  ).toEqual(['rollback_requested', 'rollback_started', 'rollback_failed']);
});

test('after a failure only a deliberate retry starts the rollback again; a stale button is refused', async () => {
  const core = await setup();
  const { rollback } = await core.rollbacks.request(core.ask, deployer);
  await core.store.tx((tx) =>
    finishRollback(tx, rollback.id, {
      status: 'failed',
      finishedAt: core.clock.now,
      startedAt: null,
      externalUrl: null,
      output: null,
      error: 'The receiver answered 500.',
    }),
  );
  await expect(core.rollbacks.request(core.ask, deployer)).rejects.toThrow(
    /Rollback #1 of .* failed: The receiver answered 500\. To try again, use Retry/,
  );
  await expect(core.rollbacks.request({ ...core.ask, retryOf: 99 }, deployer)).rejects.toThrow(
    /failed/,
  );
  const retried = await core.rollbacks.request({ ...core.ask, retryOf: rollback.id }, deployer);
  expect(retried).toMatchObject({ created: true, rollback: { id: 2, status: 'requested' } });
  // The retry itself is then deduplicated like any click.
  expect(
    (await core.rollbacks.request({ ...core.ask, retryOf: rollback.id }, deployer)).created,
  ).toBe(false);
});
