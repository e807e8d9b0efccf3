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

test('the first alert opens a triage incident with severity, owner, service and milestones', () => {
  const { db, intake, kicks } = setup();
  const result = intake.ingest([alert({ severityLabel: 'critical' })]);
  expect(result).toMatchObject({ received: 1, changed: 1, opened: [1], touched: [1] });
  const incident = findIncident(db, 1);
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
  expect(listIncidentRows(db)[0]?.nextUpdateDueAt).toEqual(new Date(T0.getTime() + 30 * 60_000));
  expect(list(db, 1).map((e) => e.kind)).toEqual(['incident_opened', 'alert_firing']);
  expect(outboxItems(db).map((o) => o.kind)).toEqual(['incident.publish']);
  expect(kicks()).toBe(1);
});

test('alerts of one group make one incident, never one per alert', () => {
  const { db, intake } = setup();
  intake.ingest(Array.from({ length: 50 }, (_, i) => alert({ key: `k${i}`, service: null })));
  intake.ingest([alert({ key: 'late', service: null })]);
  expect(listIncidentRows(db)).toHaveLength(1);
  expect(listAlerts(db)).toHaveLength(51);
  expect(outboxItems(db)).toHaveLength(1);
});

test('an alert from another group attaches to the open incident of its service and environment', () => {
  const { db, intake } = setup();
  intake.ingest([alert({ key: 'a', groupKey: 'generic:one' })]);
  intake.ingest([alert({ key: 'b', groupKey: 'generic:two', service: 'checkout' })]);
  intake.ingest([
    alert({ key: 'c', groupKey: 'generic:three', service: 'checkout', environment: 'staging' }),
  ]);
  intake.ingest([alert({ key: 'd', groupKey: 'generic:four', service: 'search' })]);
  const rows = listIncidentRows(db);
  expect(rows.map((r) => r.environment)).toEqual(['production', 'staging', 'production']);
  expect(listAlerts(db).map((a) => a.incidentId)).toEqual([1, 1, 2, 3]);
});

test('the same notification delivered twice changes nothing', () => {
  const { db, intake } = setup();
  const body = fixture('alertmanager/zulip.alert.json');
  intake.ingest(alertmanagerToAlerts(body));
  const before = { timeline: list(db, 1).length, outbox: outboxItems(db) };
  const again = intake.ingest(alertmanagerToAlerts(body));
  expect(again).toMatchObject({ received: 2, changed: 0, touched: [] });
  expect(list(db, 1)).toHaveLength(before.timeline);
  expect(outboxItems(db)).toEqual(before.outbox);
});

test('a more severe alert raises the severity; a milder one never lowers it', () => {
  const { db, intake } = setup();
  intake.ingest([alert({ key: 'a', severityLabel: 'warning' })]);
  intake.ingest([alert({ key: 'b', severityLabel: 'critical' })]);
  intake.ingest([alert({ key: 'c', severityLabel: 'info' })]);
  expect(findIncident(db, 1)?.severity).toBe('sev1');
  expect(
    list(db, 1)
      .filter((e) => e.kind === 'severity_changed')
      .map((e) => e.payload),
  ).toEqual([{ from: 'sev3', to: 'sev1', reason: 'alert High 5xx on checkout' }]);
});

test('when every alert resolves the channel is told and the card offers Resolve, but the incident stays open', () => {
  const { db, intake } = setup();
  intake.ingest([alert({ key: 'a' }), alert({ key: 'b' })]);
  intake.ingest([alert({ key: 'a', status: 'resolved', endsAt: T0 })]);
  expect(outboxItems(db).filter((o) => o.kind === 'chat.message')).toHaveLength(0);
  intake.ingest([alert({ key: 'b', status: 'resolved', endsAt: T0 })]);
  const messages = outboxItems(db).filter((o) => o.kind === 'chat.message');
  expect(messages.map((m) => m.payload.message)).toEqual([
    { type: 'alerts_all_resolved', firing: 0, resolved: 2, autoResolved: false },
  ]);
  expect(findIncident(db, 1)?.state).toBe('triage');
  expect(list(db, 1).map((e) => e.kind)).toContain('alerts_all_resolved');
});

test('with autoResolve the incident resolves itself when its alerts do', () => {
  const { db, intake } = setup({ autoResolve: true });
  intake.ingest([alert()]);
  intake.ingest([alert({ status: 'resolved' })]);
  expect(findIncident(db, 1)).toMatchObject({ state: 'resolved', resolvedAt: T0 });
});

test('an alert that fires again after resolving re-opens on the open incident; after the incident is resolved it opens a new one', () => {
  const { db, intake, sqlite } = setup();
  intake.ingest([alert()]);
  intake.ingest([alert({ status: 'resolved' })]);
  intake.ingest([alert({ startsAt: new Date('2026-11-22T09:58:00Z') })]);
  expect(listAlerts(db)[0]?.status).toBe('firing');
  expect(listIncidentRows(db)).toHaveLength(1);
  sqlite.prepare("UPDATE incidents SET state = 'resolved'").run();
  // Still the same firing episode on the resolved incident: a repeat notification opens nothing new.
  intake.ingest([alert({ startsAt: new Date('2026-11-22T09:58:00Z') })]);
  expect(listIncidentRows(db)).toHaveLength(1);
  // A new episode (new start time) is a new incident.
  intake.ingest([alert({ startsAt: new Date('2026-11-22T10:30:00Z') })]);
  expect(listIncidentRows(db)).toHaveLength(2);
  expect(verify(db).problems).toEqual([]);
});

test('a resolved alert nobody saw firing is ignored', () => {
  const { db, intake } = setup();
  expect(intake.ingest([alert({ status: 'resolved' })]).changed).toBe(0);
  expect(listIncidentRows(db)).toHaveLength(0);
});
