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
  return opened.db;
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

test('a deploy comes back as it went in: times as Dates, the rollback handle as an object', () => {
  const db = setup();
  const stored = insertDeploy(db, deploy('v1', -5));
  expect(stored.at).toEqual(at(-5));
  expect(findDeploy(db, stored.id)).toEqual(stored);
  expect(findDeployByKey(db, 'generic:v1')).toEqual(stored);
  expect(stored.rollbackHandle).toEqual({ revision: '7' });
  // A retried rollback step records its deploy once.
  insertDeployOnce(db, deploy('v1', 0, { version: 'other' }));
  expect(findDeployByKey(db, 'generic:v1')?.version).toBe('v1');
});

test('prepared reads inside a transaction see its writes, and nothing once it rolls back', () => {
  const db = setup();
  expect(() =>
    db.transaction((tx) => {
      insertFreeze(tx, freeze());
      insertDeploy(tx, deploy('v1', -5));
      expect(activeFreezes(tx, at(1))).toHaveLength(1);
      expect(
        deploysInWindow(tx, {
          service: 'checkout',
          environment: 'production',
          from: at(-60),
          until: at(0),
          limit: 50,
        }).map((d) => d.version),
      ).toEqual(['v1']);
      throw new Error('roll back');
    }),
  ).toThrow('roll back');
  expect(activeFreezes(db, at(1))).toEqual([]);
  expect(
    deploysInWindow(db, {
      service: 'checkout',
      environment: 'production',
      from: at(-60),
      until: at(0),
      limit: 50,
    }),
  ).toEqual([]);
});

test('a freeze is in force from its creation to its expiry or lift; the sweeper finds it due once', () => {
  const db = setup();
  const row = insertFreeze(db, freeze());
  expect(activeFreezes(db, at(-1))).toEqual([]);
  // The gate keeps freezes that start later and filters them by time itself.
  expect(unexpiredFreezes(db, at(-1)).map((f) => f.id)).toEqual([row.id]);
  expect(activeFreezes(db, at(0))).toEqual([row]);
  expect(activeFreezes(db, at(60))).toEqual([]);
  expect(dueFreezes(db, at(59))).toEqual([]);
  expect(dueFreezes(db, at(60)).map((f) => f.id)).toEqual([row.id]);
  endFreeze(db, row.id, { liftedAt: at(60), liftedBy: 'expired' });
  expect(dueFreezes(db, at(61))).toEqual([]);
  expect(unexpiredFreezes(db, at(-1))).toEqual([]);
});

test('rollbacks: one under way per service and environment; a failed attempt frees its key', () => {
  const db = setup();
  const to = insertDeploy(db, deploy('v1', -60));
  const from = insertDeploy(db, deploy('v2', -5));
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
  const first = insertRollback(db, ask);
  expect(first).toMatchObject({ status: 'requested', operation: null });
  expect(activeRollbackOf(db, 'checkout', 'production')?.id).toBe(first.id);
  // The database itself refuses a second one while the first is under way.
  expect(() => insertRollback(db, { ...ask, idempotencyKey: 'other' })).toThrow(/UNIQUE/);

  finishRollback(db, first.id, {
    status: 'failed',
    finishedAt: at(1),
    startedAt: at(0),
    externalUrl: null,
    output: null,
    error: 'no capacity',
  });
  expect(activeRollbackOf(db, 'checkout', 'production')).toBeUndefined();
  expect(liveRollbackByKey(db, ask.idempotencyKey)).toBeUndefined();
  const retry = insertRollback(db, { ...ask, requestedAt: at(2) });
  expect(liveRollbackByKey(db, ask.idempotencyKey)?.id).toBe(retry.id);
  expect(lastRollbackAttempt(db, ask.idempotencyKey)?.id).toBe(retry.id);
});

test('a suspect is linked once; linking it again keeps the verdict people gave it', () => {
  const db = setup();
  const incident = db
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
    .get();
  const d = insertDeploy(db, deploy('v1', -5));
  expect(linkSuspect(db, incident.id, d.id, 1)).toBe(true);
  setSuspectVerdict(
    db,
    { incidentId: incident.id, deployId: d.id },
    { verdict: 'not_related', by: 'U0ANA0001', at: T0 },
  );
  expect(linkSuspect(db, incident.id, d.id, 2)).toBe(false);
  expect(countSuspects(db, incident.id)).toBe(1);
  expect(findSuspectLink(db, incident.id, d.id)).toEqual({
    incidentId: incident.id,
    deployId: d.id,
    rank: 1,
    verdict: 'not_related',
    verdictBy: 'U0ANA0001',
    verdictAt: T0,
  });
});
