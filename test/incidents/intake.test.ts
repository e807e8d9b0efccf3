import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import { createAlertIntake, type IntakePolicy } from '../../src/incidents/intake.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { alertmanagerToAlerts } from '../../src/ingest/alertmanager.js';
import { listAlerts } from '../../src/store/alerts.js';
import { findIncident, listIncidentRows } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { list, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';
import { fixture } from '../support/fixtures.js';

const T0 = new Date('2026-11-22T10:00:00Z');
let close: (() => void) | undefined;
afterEach(() => close?.());

function setup(policy: Partial<IntakePolicy> = {}) {
  const opened = testDb();
  close = opened.close;
  let kicks = 0;
  const intake = createAlertIntake({
    store: opened.store,
    now: () => T0,
    kick: () => kicks++,
    catalog: createCatalog({
      checkout: { aliases: ['checkout-api'], owners: ['U0OWNER01'] },
      search: { aliases: [], owners: [] },
    }),
    policy: {
      defaultEnvironment: 'production',
      severityLabels: undefined,
      reminders: { sev1: 30 * 60_000 },
      unownedReminderMs: 10 * 60_000,
      autoResolve: false,
      ...policy,
    },
  });
  return { ...opened, intake, kicks: () => kicks };
}

const alert = (over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
  source: 'generic',
  key: 'k1',
  groupKey: 'generic:g1',
  status: 'firing',
  title: 'High 5xx on checkout',
  description: null,
  service: 'checkout-api',
  environment: null,
  severityLabel: 'warning',
  labels: {},
  annotations: {},
  url: null,
  startsAt: new Date('2026-11-22T09:55:00Z'),
  endsAt: null,
  ...over,
});

test('the first alert opens a triage incident with severity, owner, service and milestones', async () => {
  const { store, intake, kicks } = setup();
  const result = await intake.ingest([alert({ severityLabel: 'critical' })]);
  expect(result).toMatchObject({ received: 1, changed: 1, opened: [1], touched: [1] });
  const incident = await store.read((tx) => findIncident(tx, 1));
  expect(incident).toMatchObject({
    title: 'High 5xx on checkout',
    severity: 'sev1',
    state: 'triage',
    ownerId: 'U0OWNER01',
    services: ['checkout'],
    environment: 'production',
    source: 'alert',
  });
  expect(incident?.impactStartedAt?.toISOString()).toBe('2026-11-22T09:55:00.000Z');
  expect(incident?.detectedAt).toEqual(T0);
  expect((await store.read((tx) => listIncidentRows(tx)))[0]?.nextUpdateDueAt).toEqual(
    new Date(T0.getTime() + 30 * 60_000),
  );
  expect((await store.read((tx) => list(tx, 1))).map((e) => e.kind)).toEqual([
    'incident_opened',
    'alert_firing',
  ]);
  expect((await store.read((tx) => outboxItems(tx))).map((o) => o.kind)).toEqual([
    'incident.publish',
  ]);
  expect(kicks()).toBe(1);
});

test('alerts of one group make one incident, never one per alert', async () => {
  const { store, intake } = setup();
  await intake.ingest(Array.from({ length: 50 }, (_, i) => alert({ key: `k${i}`, service: null })));
  await intake.ingest([alert({ key: 'late', service: null })]);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  expect(await store.read((tx) => listAlerts(tx))).toHaveLength(51);
  expect(await store.read((tx) => outboxItems(tx))).toHaveLength(1);
});

test('an alert from another group attaches to the open incident of its service and environment', async () => {
  const { store, intake } = setup();
  await intake.ingest([alert({ key: 'a', groupKey: 'generic:one' })]);
  await intake.ingest([alert({ key: 'b', groupKey: 'generic:two', service: 'checkout' })]);
  await intake.ingest([
    alert({ key: 'c', groupKey: 'generic:three', service: 'checkout', environment: 'staging' }),
  ]);
  await intake.ingest([alert({ key: 'd', groupKey: 'generic:four', service: 'search' })]);
  const rows = await store.read((tx) => listIncidentRows(tx));
  expect(rows.map((r) => r.environment)).toEqual(['production', 'staging', 'production']);
  expect((await store.read((tx) => listAlerts(tx))).map((a) => a.incidentId)).toEqual([1, 1, 2, 3]);
});

test('the same notification delivered twice changes nothing', async () => {
  const { store, intake } = setup();
  const body = fixture('alertmanager/zulip.alert.json');
  await intake.ingest(alertmanagerToAlerts(body));
  const before = {
    timeline: (await store.read((tx) => list(tx, 1))).length,
    outbox: await store.read((tx) => outboxItems(tx)),
  };
  const again = await intake.ingest(alertmanagerToAlerts(body));
  expect(again).toMatchObject({ received: 2, changed: 0, touched: [] });
  expect(await store.read((tx) => list(tx, 1))).toHaveLength(before.timeline);
  expect(await store.read((tx) => outboxItems(tx))).toEqual(before.outbox);
});

test('a more severe alert raises the severity; a milder one never lowers it', async () => {
  const { store, intake } = setup();
  await intake.ingest([alert({ key: 'a', severityLabel: 'warning' })]);
  await intake.ingest([alert({ key: 'b', severityLabel: 'critical' })]);
  await intake.ingest([alert({ key: 'c', severityLabel: 'info' })]);
  expect((await store.read((tx) => findIncident(tx, 1)))?.severity).toBe('sev1');
  expect(
    (await store.read((tx) => list(tx, 1)))
      .filter((e) => e.kind === 'severity_changed')
      .map((e) => e.payload),
  ).toEqual([{ from: 'sev3', to: 'sev1', reason: 'alert High 5xx on checkout' }]);
});

test('when every alert resolves the channel is told and the card offers Resolve, but the incident stays open', async () => {
  const { store, intake } = setup();
  await intake.ingest([alert({ key: 'a' }), alert({ key: 'b' })]);
  await intake.ingest([alert({ key: 'a', status: 'resolved', endsAt: T0 })]);
  expect(
    (await store.read((tx) => outboxItems(tx))).filter((o) => o.kind === 'chat.message'),
  ).toHaveLength(0);
  await intake.ingest([alert({ key: 'b', status: 'resolved', endsAt: T0 })]);
  const messages = (await store.read((tx) => outboxItems(tx))).filter(
    (o) => o.kind === 'chat.message',
  );
  expect(messages.map((m) => m.payload.message)).toEqual([
    { type: 'alerts_all_resolved', firing: 0, resolved: 2, autoResolved: false },
  ]);
  expect((await store.read((tx) => findIncident(tx, 1)))?.state).toBe('triage');
  expect((await store.read((tx) => list(tx, 1))).map((e) => e.kind)).toContain(
    'alerts_all_resolved',
  );
});

test('with autoResolve the incident resolves itself when its alerts do', async () => {
  const { store, intake } = setup({ autoResolve: true });
  await intake.ingest([alert()]);
  await intake.ingest([alert({ status: 'resolved' })]);
  expect(await store.read((tx) => findIncident(tx, 1))).toMatchObject({
    state: 'resolved',
    resolvedAt: T0,
  });
});

test('an alert that fires again after resolving re-opens on the open incident; after the incident is resolved it opens a new one', async () => {
  const { store, intake, sqlite } = setup();
  await intake.ingest([alert()]);
  await intake.ingest([alert({ status: 'resolved' })]);
  await intake.ingest([alert({ startsAt: new Date('2026-11-22T09:58:00Z') })]);
  expect((await store.read((tx) => listAlerts(tx)))[0]?.status).toBe('firing');
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  sqlite.prepare("UPDATE incidents SET state = 'resolved'").run();
  // Still the same firing episode on the resolved incident: a repeat notification opens nothing new.
  await intake.ingest([alert({ startsAt: new Date('2026-11-22T09:58:00Z') })]);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  // A new episode (new start time) is a new incident.
  await intake.ingest([alert({ startsAt: new Date('2026-11-22T10:30:00Z') })]);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(2);
  expect((await store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('a resolved alert nobody saw firing is ignored', async () => {
  const { store, intake } = setup();
  expect((await intake.ingest([alert({ status: 'resolved' })])).changed).toBe(0);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(0);
});
