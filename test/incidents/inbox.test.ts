import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import { createInbox } from '../../src/incidents/inbox.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { listInboxDeliveries } from '../../src/store/inbox.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { testDb } from '../support/db.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Store = ReturnType<typeof testDb>['store'];
const statuses = async (store: Store) =>
  (await store.read((tx) => listInboxDeliveries(tx))).map((r) => r.status);

/** The deliveries' statuses once none is pending (within 2 s). */
async function statusesOnceSettled(store: Store) {
  for (let i = 0; i < 200 && (await statuses(store)).includes('pending'); i++) await sleep(10);
  return statuses(store);
}

let close: (() => void) | undefined;
afterEach(() => close?.());

function setup(
  tuning: { burstGapMs?: number; maxWaitMs?: number; maxAlertsPerBatch?: number } = {},
) {
  const opened = testDb();
  close = opened.close;
  let kicks = 0;
  const intake = createAlertIntake({
    store: opened.store,
    now: () => new Date('2026-11-22T10:00:00Z'),
    catalog: createCatalog({}),
    kick: () => {},
    policy: {
      defaultEnvironment: 'production',
      severityLabels: undefined,
      reminders: {},
      unownedReminderMs: 60_000,
      autoResolve: false,
    },
  });
  const inbox = createInbox({
    store: opened.store,
    now: () => new Date('2026-11-22T10:00:00Z'),
    intake,
    kick: () => kicks++,
    log: pino({ level: 'silent' }),
    ...tuning,
  });
  return { ...opened, inbox, kicks: () => kicks };
}

const alert = (key: string, over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
  source: 'generic',
  key,
  groupKey: 'generic:g',
  status: 'firing',
  title: 'Queue backlog',
  description: null,
  service: null,
  environment: null,
  severityLabel: null,
  labels: {},
  annotations: {},
  url: null,
  startsAt: new Date('2026-11-22T09:59:00Z'),
  endsAt: null,
  ...over,
});

test('accepted alerts are on disk before any incident exists, and become one incident when processed', async () => {
  const { store, inbox, kicks } = setup();
  const accepted = await Promise.all([
    await inbox.accept('generic', [alert('a')]),
    await inbox.accept('generic', [alert('b'), alert('c')]),
  ]);
  expect(accepted.map((a) => a.id)).toEqual([1, 2]);
  expect(await inbox.pendingCount()).toBe(2);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(0);
  expect(await inbox.processPending()).toBe(2);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  expect((await store.read((tx) => listInboxDeliveries(tx))).map((r) => r.status)).toEqual([
    'done',
    'done',
  ]);
  expect(kicks()).toBeGreaterThan(0);
});

test('times survive the trip through the inbox', async () => {
  const { store, inbox } = setup();
  await inbox.accept('generic', [alert('a')]);
  await inbox.processPending();
  expect((await store.read((tx) => listIncidentRows(tx)))[0]?.impactStartedAt?.toISOString()).toBe(
    '2026-11-22T09:59:00.000Z',
  );
});

test('a delivery that cannot be applied is kept and marked failed; the others go through', async () => {
  const { store, inbox, sqlite } = setup();
  await inbox.accept('generic', [alert('a')]);
  await inbox.accept('generic', [alert('b')]);
  // Corrupt the first one as a bug would: its alert has no key.
  sqlite
    .prepare(`UPDATE inbox SET alerts = '[{"source":"generic","status":"firing"}]' WHERE id = 1`)
    .run();
  await inbox.processPending();
  const rows = await store.read((tx) => listInboxDeliveries(tx));
  expect(rows.map((r) => r.status)).toEqual(['failed', 'done']);
  expect(rows[0]?.error).toBeTruthy();
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
});

test('many deliveries in one turn of the event loop share one commit', async () => {
  const { inbox, store } = setup();
  let commits = 0;
  const unitOfWork = store.tx.bind(store);
  store.tx = (work) => {
    commits++;
    return unitOfWork(work);
  };
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => await inbox.accept('generic', [alert(`k${i}`)])),
  );
  expect(await inbox.pendingCount()).toBe(20);
  expect(commits).toBe(1);
});

test('once nothing older is waiting, a delivery is applied in the same commit that accepts it', async () => {
  const { store, inbox } = setup();
  inbox.start();
  await new Promise((r) => setTimeout(r, 10)); // the first run finds no backlog
  await inbox.accept('generic', [alert('a')]);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  expect((await store.read((tx) => listInboxDeliveries(tx))).map((r) => r.status)).toEqual([
    'done',
  ]);
  inbox.stop();
});

test('a delivery that fails inline stays pending and is isolated by the processor; later ones keep their order', async () => {
  const { store, inbox } = setup();
  inbox.start();
  await new Promise((r) => setTimeout(r, 10));
  // No key: applying it throws inside the savepoint, so the accept still succeeds.
  await inbox.accept('generic', [{ ...alert('x'), key: undefined as unknown as string }]);
  await inbox.accept('generic', [alert('b')]);
  expect(await statusesOnceSettled(store)).toEqual(['failed', 'done']);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  inbox.stop();
});

test('a burst is answered first: deliveries close together are stored, and applied once it is over', async () => {
  const { store, inbox } = setup({ burstGapMs: 50 });
  inbox.start();
  await sleep(10); // the first run finds no backlog
  await inbox.accept('generic', [alert('alone')]);
  expect(await statuses(store)).toEqual(['done']); // alone and small: in its own commit
  await sleep(60);
  for (let i = 0; i < 5; i++) await inbox.accept('generic', [alert(`burst-${i}`)]);
  // The first of the five came alone; the rest arrived within 50 ms of each other.
  expect(await statuses(store)).toEqual(['done', 'done', ...Array(4).fill('pending')]);
  expect(await statusesOnceSettled(store)).toEqual(Array(6).fill('done'));
  inbox.stop();
});

test('a big delivery, even alone, is answered before it is applied', async () => {
  const { store, inbox } = setup({ burstGapMs: 50 });
  inbox.start();
  await sleep(10);
  await inbox.accept(
    'generic',
    Array.from({ length: 30 }, (_, i) => alert(`big-${i}`)),
  );
  expect(await statuses(store)).toEqual(['pending']);
  expect(await statusesOnceSettled(store)).toEqual(['done']);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  inbox.stop();
});

test('fairness: a burst that does not stop holds the processor back no longer than maxWaitMs', async () => {
  const { store, inbox } = setup({ burstGapMs: 50, maxWaitMs: 150 });
  inbox.start();
  await sleep(10);
  const started = performance.now();
  let firstApplied: number | null = null;
  let i = 0;
  // A delivery every 10 ms for 600 ms: never a quiet moment of 50 ms.
  while (performance.now() - started < 600) {
    await inbox.accept('generic', [alert(`storm-${i++}`)]);
    if (firstApplied === null && (await statuses(store)).slice(1).includes('done'))
      firstApplied = performance.now() - started;
    await sleep(10);
  }
  expect(firstApplied).not.toBeNull();
  expect(firstApplied).toBeLessThan(400);
  expect(await statusesOnceSettled(store)).toEqual(Array(i).fill('done'));
  inbox.stop();
});

test('one transaction applies at most maxAlertsPerBatch alerts, and never splits a delivery', async () => {
  const { inbox } = setup({ maxAlertsPerBatch: 3 });
  await inbox.accept('generic', [alert('a1'), alert('a2')]);
  await inbox.accept('generic', [alert('b1'), alert('b2')]);
  await inbox.accept('generic', [alert('c1')]);
  await inbox.accept('generic', [alert('d1'), alert('d2'), alert('d3'), alert('d4')]);
  expect(await inbox.processPending()).toBe(1); // a: 2 alerts; with b it would be 4
  expect(await inbox.processPending()).toBe(2); // b and c: 3
  expect(await inbox.processPending()).toBe(1); // d: 4, bigger than the bound, alone
  expect(await inbox.processPending()).toBe(0);
});
