import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import { STORM_GROUP_KEY } from '../../src/incidents/storm.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { buildIncidentView } from '../../src/read-model/incident-view.js';
import { listAlerts } from '../../src/store/alerts.js';
import { findIncidentRow, listIncidentRows } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import type { Store } from '../../src/store/unit-of-work.js';
import { verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';

const T0 = new Date('2026-11-22T10:00:00Z');
let close: (() => void) | undefined;
afterEach(() => close?.());

/** The intake on a database, with a clock the test moves; a second call is a restart. */
function intakeOn(store: Store, clock: { now: Date }, maxNewPerMinute = 10) {
  return createAlertIntake({
    store,
    now: () => clock.now,
    kick: () => {},
    catalog: createCatalog({}),
    policy: {
      defaultEnvironment: 'production',
      severityLabels: undefined,
      reminders: {},
      unownedReminderMs: 60_000,
      autoResolve: false,
      maxNewPerMinute,
    },
  });
}

function setup() {
  const opened = testDb();
  close = opened.close;
  const clock = { now: T0 };
  return { ...opened, clock, intake: intakeOn(opened.store, clock) };
}

const alert = (group: number, key = `a${group}`): NormalizedAlert => ({
  source: 'alertmanager',
  key,
  groupKey: `alertmanager:{}:{alertname="G${group}"}`,
  status: 'firing',
  title: `G${group} is failing`,
  description: null,
  service: `svc-${group}`,
  environment: null,
  severityLabel: 'warning',
  labels: {},
  annotations: {},
  url: null,
  startsAt: T0,
  endsAt: null,
});

const groups = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => alert(from + i));

const storms = async (store: Store) =>
  (await store.read((tx) => listIncidentRows(tx))).filter((i) => i.groupKey === STORM_GROUP_KEY);

test('past maxNewPerMinute new groups are gathered into one storm incident, every alert kept, the announce channel told once', async () => {
  const { store, intake } = setup();
  await intake.ingest(groups(0, 25));

  const all = await store.read((tx) => listIncidentRows(tx));
  expect(all).toHaveLength(11); // 10 ordinary + the storm
  const [storm] = await storms(store);
  expect(storm?.title).toBe('Alert storm: more than 10 new alert groups a minute');
  expect(await store.read((tx) => listAlerts(tx))).toHaveLength(25);
  const gathered = await store.read((tx) => listAlerts(tx, storm?.id ?? 0));
  expect(gathered.map((a) => a.groupKey)).toEqual(groups(10, 25).map((a) => a.groupKey));
  const told = (await store.read((tx) => outboxItems(tx))).filter((o) =>
    JSON.stringify(o.payload).includes('"alert_storm"'),
  );
  expect(told).toHaveLength(1);
  expect(told[0]?.payload).toMatchObject({ to: { kind: 'announce' }, incidentId: storm?.id });

  // The card lists the gathered groups, bounded, with how many there are in all.
  const view = await store.read((tx) => buildIncidentView(tx, storm?.id ?? 0, T0));
  expect(view.storm?.total).toBe(15);
  expect(view.storm?.groups[0]).toMatchObject({
    groupKey: 'alertmanager:{}:{alertname="G10"}',
    services: ['svc-10'],
    alerts: 1,
  });
  expect((await store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('alerts of a gathered group keep going to the storm incident; once the rate falls new groups open incidents again', async () => {
  const { store, intake, clock } = setup();
  await intake.ingest(groups(0, 12));
  const stormId = (await storms(store))[0]?.id;

  // Half a minute later: more alerts of gathered group 11, and a new group (still over the cap).
  clock.now = new Date(T0.getTime() + 30_000);
  await intake.ingest([alert(11, 'a11-second'), alert(12)]);
  const byKey = async (key: string) =>
    (await store.read((tx) => listAlerts(tx))).find((a) => a.dedupeKey === key);
  expect((await byKey('a11-second'))?.incidentId).toBe(stormId);
  expect((await byKey('a12'))?.incidentId).toBe(stormId);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(11);

  // Over a minute after the last ordinary open: new groups get their own incident again, while
  // the groups gathered into the (still open) storm stay with it.
  clock.now = new Date(T0.getTime() + 61_000);
  await intake.ingest([alert(13), alert(11, 'a11-third')]);
  const a13 = await byKey('a13');
  expect(a13?.incidentId).not.toBe(stormId);
  expect(await store.read((tx) => findIncidentRow(tx, a13?.incidentId ?? 0))).toMatchObject({
    groupKey: alert(13).groupKey,
  });
  expect((await byKey('a11-third'))?.incidentId).toBe(stormId);
  expect(await storms(store)).toHaveLength(1);
});

test('the window is counted from the database, so a restart does not reset the cap', async () => {
  const { store, intake, clock } = setup();
  await intake.ingest(groups(0, 10));
  const restarted = intakeOn(store, clock);
  clock.now = new Date(T0.getTime() + 5_000);
  await restarted.ingest([alert(10)]);
  expect(await storms(store)).toHaveLength(1);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(11);
});
