import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import { createInbox } from '../../src/incidents/inbox.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { listInboxDeliveries } from '../../src/store/inbox.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { testDb } from '../support/db.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

function setup() {
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
  await new Promise((r) => setTimeout(r, 50));
  expect((await store.read((tx) => listInboxDeliveries(tx))).map((r) => r.status)).toEqual([
    'failed',
    'done',
  ]);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  inbox.stop();
});
