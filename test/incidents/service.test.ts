import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import { AppError } from '../../src/errors.js';
import type { Actor, IncidentEvent } from '../../src/incidents/events.js';
import { createIncidents } from '../../src/incidents/service.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { list, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';

let clock = new Date('2026-11-22T10:00:00Z');
const tick = (minutes: number) => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};
let close: (() => void) | undefined;
afterEach(() => close?.());

const ana: Actor = { id: 'U0ANA0001', source: 'slack' };
const bob: Actor = { id: 'U0BOB0001', source: 'slack' };
const cmd: Actor = { id: 'U0CMD0001', source: 'slack' };
const groupMember: Actor = { id: 'U0GRP0001', source: 'slack', groups: ['S0DEPLOY1'] };

function setup() {
  clock = new Date('2026-11-22T10:00:00Z');
  const opened = testDb();
  close = opened.close;
  const events: IncidentEvent[] = [];
  const service = createIncidents({
    store: opened.store,
    now: () => clock,
    kick: () => {},
    catalog: createCatalog({ checkout: { aliases: ['checkout-api'], owners: [] } }),
    listeners: [async (_tx, event) => void events.push(event)],
    policy: {
      defaultEnvironment: 'production',
      reminders: { sev1: 30 * 60_000, sev2: 60 * 60_000 },
      unownedReminderMs: 10 * 60_000,
      deployers: ['S0DEPLOY1'],
      commanders: ['U0CMD0001'],
    },
  });
  return { ...opened, service, events };
}

test('declaring opens an investigating incident owned by the declarer, with its first timeline entries', async () => {
  const { store, service, events } = setup();
  const incident = await service.declare(
    {
      title: 'Checkout returns 500',
      severity: 'sev2',
      services: ['checkout-api'],
      fromMessage: {
        text: 'seeing 500s',
        userId: bob.id,
        permalink: 'https://x.slack.com/p1',
        at: new Date('2026-11-22T09:55:00Z'),
      },
    },
    ana,
  );
  expect(incident).toMatchObject({
    id: 1,
    state: 'investigating',
    ownerId: ana.id,
    services: ['checkout'],
    source: 'declared',
  });
  expect(incident.impactStartedAt?.toISOString()).toBe('2026-11-22T09:55:00.000Z');
  expect((await store.read((tx) => list(tx, 1))).map((e) => e.kind)).toEqual([
    'incident_declared',
    'note',
  ]);
  expect(events.map((e) => e.type)).toEqual(['opened']);
  expect((await store.read((tx) => outboxItems(tx))).map((o) => o.kind)).toEqual([
    'incident.publish',
  ]);
  expect((await store.read((tx) => listIncidentRows(tx)))[0]?.nextUpdateDueAt).toEqual(
    new Date(clock.getTime() + 60 * 60_000),
  );
});

test.each([
  ['', /needs a title/],
  ['x'.repeat(151), /keep it under 150/],
])('a bad title is refused and nothing is stored (%#)', async (title, message) => {
  const { store, service } = setup();
  await expect(service.declare({ title, severity: 'sev3' }, ana)).rejects.toThrow(message);
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(0);
});

test('acknowledge moves triage to investigating, sets acknowledgedAt once, and gives an unowned incident an owner', async () => {
  const { store, service, sqlite, events } = setup();
  await service.declare(
    { title: 'x', severity: 'sev1' },
    { id: 'alertmanager', source: 'alertmanager' },
  );
  sqlite.prepare("UPDATE incidents SET state = 'triage', acknowledged_at = NULL").run();
  tick(3);
  const acked = await service.acknowledge(1, bob);
  expect(acked).toMatchObject({ state: 'investigating', ownerId: bob.id, acknowledgedAt: clock });
  const first = acked.acknowledgedAt;
  tick(1);
  expect((await service.acknowledge(1, ana)).acknowledgedAt).toEqual(first);
  expect(
    (await store.read((tx) => list(tx, 1))).filter((e) => e.kind === 'acknowledged'),
  ).toHaveLength(1);
  expect(events.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
});

test('only the owner, commanders and deployers (also by user group) may hand over, downgrade or resolve; refusals are audited', async () => {
  const { store, service } = setup();
  await service.declare({ title: 'x', severity: 'sev1' }, ana);
  await expect(service.setOwner(1, bob.id, bob)).rejects.toThrow(AppError);
  await expect(service.setSeverity(1, 'sev3', bob)).rejects.toThrow(
    /not allowed to lower the severity/,
  );
  await expect(service.resolve(1, 'done', bob)).rejects.toThrow(/not allowed to resolve INC-1/);
  // Raising the severity is open to everyone.
  expect((await service.setSeverity(1, 'sev1', bob)).severity).toBe('sev1');
  expect((await service.setSeverity(1, 'sev3', cmd)).severity).toBe('sev3');
  expect((await service.setOwner(1, bob.id, groupMember)).ownerId).toBe(bob.id);
  expect((await service.setOwner(1, ana.id, bob)).ownerId).toBe(ana.id);
  const denied = (await store.read((tx) => list(tx, 1))).filter(
    (e) => e.kind === 'permission_denied',
  );
  expect(denied.map((e) => [e.actor, e.payload.action])).toEqual([
    [bob.id, 'change the owner of'],
    [bob.id, 'lower the severity of'],
    [bob.id, 'resolve'],
  ]);
  expect((await store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('anyone may take command of an unowned incident', async () => {
  const { service } = setup();
  await service.declare({ title: 'x', severity: 'sev2', ownerId: null }, ana);
  expect((await service.setOwner(1, bob.id, bob)).ownerId).toBe(bob.id);
});

test('states follow the rules and milestones are set once, in order', async () => {
  const { service } = setup();
  await service.declare({ title: 'x', severity: 'sev2' }, ana);
  tick(5);
  expect((await service.setState(1, 'identified', ana)).state).toBe('identified');
  tick(5);
  const monitoring = await service.setState(1, 'monitoring', ana);
  expect(monitoring.mitigatedAt).toEqual(clock);
  const mitigated = monitoring.mitigatedAt;
  tick(5);
  expect((await service.setState(1, 'investigating', ana)).mitigatedAt).toEqual(mitigated);
  await expect(service.setState(1, 'triage', ana)).rejects.toThrow(
    /cannot go from investigating back to triage/,
  );
  tick(5);
  const resolved = await service.resolve(1, 'Rolled back v2', ana);
  expect(resolved).toMatchObject({
    state: 'resolved',
    resolution: 'Rolled back v2',
    resolvedAt: clock,
    mitigatedAt: mitigated,
  });
  await expect(service.setState(1, 'monitoring', ana)).rejects.toThrow(/is resolved/);
  expect((await service.resolve(1, 'again', ana)).resolution).toBe('Rolled back v2');
});

test('reopening needs a reason and is a timeline event', async () => {
  const { store, service } = setup();
  await service.declare({ title: 'x', severity: 'sev2' }, ana);
  await service.resolve(1, 'fixed', ana);
  await expect(service.reopen(1, ' ', ana)).rejects.toThrow(/Say why/);
  const reopened = await service.reopen(1, 'errors are back', ana);
  expect(reopened).toMatchObject({ state: 'investigating', resolvedAt: null });
  expect((await store.read((tx) => list(tx, 1))).at(-1)).toMatchObject({
    kind: 'reopened',
    payload: { reason: 'errors are back' },
  });
});

test('a status update is posted to the channel and the announce channel and restarts the reminder clock', async () => {
  const { store, service } = setup();
  await service.declare({ title: 'x', severity: 'sev1' }, ana);
  tick(20);
  await service.statusUpdate(1, 'Rolled back, watching error rates', ana);
  expect((await store.read((tx) => listIncidentRows(tx)))[0]?.nextUpdateDueAt).toEqual(
    new Date(clock.getTime() + 30 * 60_000),
  );
  const messages = (await store.read((tx) => outboxItems(tx)))
    .filter((o) => o.kind === 'chat.message')
    .map((o) => [
      (o.payload.to as { kind: string }).kind,
      (o.payload.message as { type: string }).type,
    ]);
  expect(messages).toEqual([
    ['channel', 'status_update'],
    ['announce', 'status_update'],
  ]);
});

test('changes from PagerDuty or the bot itself are not subject to Slack permissions', async () => {
  const { service } = setup();
  await service.declare({ title: 'x', severity: 'sev1' }, ana);
  expect(
    (await service.setOwner(1, bob.id, { id: 'pagerduty:PXYZ', source: 'pagerduty' })).ownerId,
  ).toBe(bob.id);
});
