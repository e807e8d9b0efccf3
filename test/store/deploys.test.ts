// The deploy repositories (deploys, suspects, rollbacks, freezes) on the real migrations: what
// they promise the core beyond "runs the query".
import { afterEach, expect, test } from 'vitest';
import {
  deploysInWindow,
  findDeploy,
  findDeployByKey,
  insertDeploy,
  insertDeployOnce,
  type NewDeploy,
} from '../../src/store/deploys.js';
import {
  activeFreezes,
  dueFreezes,
  endFreeze,
  insertFreeze,
  type NewFreeze,
  unexpiredFreezes,
} from '../../src/store/freezes.js';
import {
  activeRollbackOf,
  finishRollback,
  insertRollback,
  lastRollbackAttempt,
  liveRollbackByKey,
  type NewRollback,
} from '../../src/store/rollbacks.js';
import { incidents } from '../../src/store/schema.js';
import { type OpenDb, openDb } from '../../src/store/sqlite.js';
import {
  countSuspects,
  findSuspectLink,
  linkSuspect,
  setSuspectVerdict,
} from '../../src/store/suspects.js';

const T0 = new Date('2026-12-05T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

let opened: OpenDb | undefined;
afterEach(() => opened?.close());
function setup() {
  opened = openDb(':memory:');
  return opened.store;
}

const deploy = (key: string, minutes: number, extra: Partial<NewDeploy> = {}): NewDeploy => ({
  source: 'generic',
  dedupeKey: `generic:${key}`,
  service: 'checkout',
  serviceKnown: true,
  environment: 'production',
  status: 'succeeded',
  version: key,
  previousVersion: null,
  sha: null,
  compareUrl: null,
  actor: 'dana',
  url: null,
  rollbackHandle: { revision: '7' },
  isRollback: false,
  startedAt: at(minutes - 1),
  finishedAt: at(minutes),
  commitAt: null,
  at: at(minutes),
  receivedAt: at(minutes),
  updatedAt: at(minutes),
  ...extra,
});

const freeze = (extra: Partial<NewFreeze> = {}): NewFreeze => ({
  services: ['checkout'],
  environments: ['prod*'],
  reason: 'audit',
  createdBy: 'U0DEPLOYER',
  incidentId: null,
  blocksRollbacks: false,
  channelId: null,
  createdAt: at(0),
  expiresAt: at(60),
  ...extra,
});

test('a deploy comes back as it went in: times as Dates, the rollback handle as an object', async () => {
  const store = setup();
  const stored = await store.tx((tx) => insertDeploy(tx, deploy('v1', -5)));
  expect(stored.at).toEqual(at(-5));
  expect(await store.read((tx) => findDeploy(tx, stored.id))).toEqual(stored);
  expect(await store.read((tx) => findDeployByKey(tx, 'generic:v1'))).toEqual(stored);
  expect(stored.rollbackHandle).toEqual({ revision: '7' });
  // A retried rollback step records its deploy once.
  await store.tx((tx) => insertDeployOnce(tx, deploy('v1', 0, { version: 'other' })));
  expect((await store.read((tx) => findDeployByKey(tx, 'generic:v1')))?.version).toBe('v1');
});

test('prepared reads inside a transaction see its writes, and nothing once it rolls back', async () => {
  const store = setup();
  await expect(
    store.tx(async (tx) => {
      await insertFreeze(tx, freeze());
      await insertDeploy(tx, deploy('v1', -5));
      expect(await activeFreezes(tx, at(1))).toHaveLength(1);
      expect(
        (
          await deploysInWindow(tx, {
            service: 'checkout',
            environment: 'production',
            from: at(-60),
            until: at(0),
            limit: 50,
          })
        ).map((d) => d.version),
      ).toEqual(['v1']);
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  expect(await store.read((tx) => activeFreezes(tx, at(1)))).toEqual([]);
  expect(
    await store.read((tx) =>
      deploysInWindow(tx, {
        service: 'checkout',
        environment: 'production',
        from: at(-60),
        until: at(0),
        limit: 50,
      }),
    ),
  ).toEqual([]);
});

test('a freeze is in force from its creation to its expiry or lift; the sweeper finds it due once', async () => {
  const store = setup();
  const row = await store.tx((tx) => insertFreeze(tx, freeze()));
  expect(await store.read((tx) => activeFreezes(tx, at(-1)))).toEqual([]);
  // The gate keeps freezes that start later and filters them by time itself.
  expect((await store.read((tx) => unexpiredFreezes(tx, at(-1)))).map((f) => f.id)).toEqual([
    row.id,
  ]);
  expect(await store.read((tx) => activeFreezes(tx, at(0)))).toEqual([row]);
  expect(await store.read((tx) => activeFreezes(tx, at(60)))).toEqual([]);
  expect(await store.read((tx) => dueFreezes(tx, at(59)))).toEqual([]);
  expect((await store.read((tx) => dueFreezes(tx, at(60)))).map((f) => f.id)).toEqual([row.id]);
  await store.tx((tx) => endFreeze(tx, row.id, { liftedAt: at(60), liftedBy: 'expired' }));
  expect(await store.read((tx) => dueFreezes(tx, at(61)))).toEqual([]);
  expect(await store.read((tx) => unexpiredFreezes(tx, at(-1)))).toEqual([]);
});

test('rollbacks: one under way per service and environment; a failed attempt frees its key', async () => {
  const store = setup();
  const to = await store.tx((tx) => insertDeploy(tx, deploy('v1', -60)));
  const from = await store.tx((tx) => insertDeploy(tx, deploy('v2', -5)));
  const ask: NewRollback = {
    incidentId: null,
    service: 'checkout',
    environment: 'production',
    fromDeployId: from.id,
    toDeployId: to.id,
    backend: 'webhook',
    idempotencyKey: `none:checkout:production:${to.id}`,
    requestedBy: 'U0DEPLOYER',
    channelId: 'C0OPS',
    requestedAt: at(0),
  };
  const first = await store.tx((tx) => insertRollback(tx, ask));
  expect(first).toMatchObject({ status: 'requested', operation: null });
  expect((await store.read((tx) => activeRollbackOf(tx, 'checkout', 'production')))?.id).toBe(
    first.id,
  );
  // The database itself refuses a second one while the first is under way.
  await expect(
    store.tx((tx) => insertRollback(tx, { ...ask, idempotencyKey: 'other' })),
  ).rejects.toThrow(/UNIQUE/);

  await store.tx((tx) =>
    finishRollback(tx, first.id, {
      status: 'failed',
      finishedAt: at(1),
      startedAt: at(0),
      externalUrl: null,
      output: null,
      error: 'no capacity',
    }),
  );
  expect(await store.read((tx) => activeRollbackOf(tx, 'checkout', 'production'))).toBeUndefined();
  expect(await store.read((tx) => liveRollbackByKey(tx, ask.idempotencyKey))).toBeUndefined();
  const retry = await store.tx((tx) => insertRollback(tx, { ...ask, requestedAt: at(2) }));
  expect((await store.read((tx) => liveRollbackByKey(tx, ask.idempotencyKey)))?.id).toBe(retry.id);
  expect((await store.read((tx) => lastRollbackAttempt(tx, ask.idempotencyKey)))?.id).toBe(
    retry.id,
  );
});

test('a suspect is linked once; linking it again keeps the verdict people gave it', async () => {
  const store = setup();
  const incident = await store.tx(async (tx) =>
    tx
      .insert(incidents)
      .values({
        title: 'Checkout down',
        severity: 'sev2',
        state: 'investigating',
        environment: 'production',
        source: 'declared',
        declaredAt: T0,
        createdAt: T0,
        updatedAt: T0,
      })
      .returning()
      .get(),
  );
  const d = await store.tx((tx) => insertDeploy(tx, deploy('v1', -5)));
  expect(await store.tx((tx) => linkSuspect(tx, incident.id, d.id, 1))).toBe(true);
  await store.tx((tx) =>
    setSuspectVerdict(
      tx,
      { incidentId: incident.id, deployId: d.id },
      { verdict: 'not_related', by: 'U0ANA0001', at: T0 },
    ),
  );
  expect(await store.tx((tx) => linkSuspect(tx, incident.id, d.id, 2))).toBe(false);
  expect(await store.read((tx) => countSuspects(tx, incident.id))).toBe(1);
  expect(await store.read((tx) => findSuspectLink(tx, incident.id, d.id))).toEqual({
    incidentId: incident.id,
    deployId: d.id,
    rank: 1,
    verdict: 'not_related',
    verdictBy: 'U0ANA0001',
    verdictAt: T0,
  });
});
