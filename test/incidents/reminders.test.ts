import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import type { ChatMessage, MessageDelivery } from '../../src/domain/messages.js';
import type { OfficeHours } from '../../src/domain/office-hours.js';
import type { Actor } from '../../src/incidents/events.js';
import { createReminders } from '../../src/incidents/reminders.js';
import { createIncidents } from '../../src/incidents/service.js';
import { buildIncidentView } from '../../src/read-model/incident-view.js';
import { findIncidentRow } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { rememberPeople } from '../../src/store/people.js';
import { list, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';

const T0 = new Date('2026-11-22T10:00:00Z');
let clock = T0;
const at = (minutes: number) => {
  clock = new Date(T0.getTime() + minutes * 60_000);
  return clock;
};
let close: (() => void) | undefined;
afterEach(() => close?.());

const ana: Actor = { id: 'U0ANA0001', source: 'slack' };
const bob: Actor = { id: 'U0BOB0001', source: 'slack' };
const alerts: Actor = { id: 'alertmanager', source: 'alertmanager' };

function setup(options: { officeHours?: OfficeHours } = {}) {
  clock = T0;
  const opened = testDb();
  close = opened.close;
  const policy = {
    reminders: { sev1: 30 * 60_000, sev2: 60 * 60_000, sev3: 30 * 60_000 },
    unownedReminderMs: 10 * 60_000,
    ...options,
  };
  const deps = { store: opened.store, now: () => clock, kick: () => {} };
  const service = createIncidents({
    ...deps,
    catalog: createCatalog({}),
    policy: { ...policy, defaultEnvironment: 'production', deployers: [], commanders: [] },
  });
  const reminders = createReminders({ ...deps, policy });
  /** Messages the reminders asked to post, as [target, message]. */
  const posted = async () =>
    (await opened.store.read((tx) => outboxItems(tx)))
      .filter((o) => o.kind === 'chat.message')
      .map((o) => o.payload as unknown as MessageDelivery)
      .filter((d) => ['status_update_due', 'owner_missing'].includes(d.message.type))
      .map((d): [string, ChatMessage] => [d.to.kind, d.message]);
  const due = async (id = 1) =>
    (await opened.store.read((tx) => findIncidentRow(tx, id)))?.nextUpdateDueAt;
  return {
    ...opened,
    service,
    reminders,
    posted,
    due,
    createAgain: () => createReminders({ ...deps, policy }),
  };
}

test('a status update is due per severity: reminded once when due, again an interval later', async () => {
  const { store, service, reminders, posted } = setup();
  await service.declare({ title: 'Checkout down', severity: 'sev1' }, ana);
  at(29);
  expect((await reminders.sweep()).statusReminders).toEqual([]);
  at(30);
  expect((await reminders.sweep()).statusReminders).toEqual([1]);
  expect((await reminders.sweep()).statusReminders).toEqual([]); // the same moment twice: once
  expect(await posted()).toEqual([
    [
      'channel',
      { type: 'status_update_due', ownerId: ana.id, dueAt: at(30).getTime(), lastUpdateAt: null },
    ],
  ]);
  at(59);
  await reminders.sweep();
  at(61);
  await reminders.sweep();
  expect(await posted()).toHaveLength(2);
  const sent = (await store.read((tx) => list(tx, 1))).filter((e) => e.kind === 'reminder_sent');
  expect(sent.map((e) => e.payload)).toEqual([
    { reminder: 'status_update', dueAt: at(30).toISOString(), ownerId: ana.id },
    { reminder: 'status_update', dueAt: at(60).toISOString(), ownerId: ana.id },
  ]);
  expect((await store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('a status update restarts the clock; a restart of the process loses and doubles nothing', async () => {
  const { service, reminders, posted, due, createAgain } = setup();
  await service.declare({ title: 'Checkout down', severity: 'sev2' }, ana);
  at(50);
  await service.statusUpdate(1, 'Rolling back', ana);
  expect(await due()).toEqual(at(110));
  at(100);
  expect((await reminders.sweep()).statusReminders).toEqual([]);
  at(120); // the process was down at 110: the reminder still comes, once
  const restarted = createAgain();
  expect((await restarted.sweep()).statusReminders).toEqual([1]);
  expect((await createAgain().sweep()).statusReminders).toEqual([]);
  expect((await posted()).map(([, m]) => m)).toEqual([
    {
      type: 'status_update_due',
      ownerId: ana.id,
      dueAt: at(110).getTime(),
      lastUpdateAt: at(50).getTime(),
    },
  ]);
});

test('snoozing puts the reminder off once, however often it is clicked', async () => {
  const { store, service, reminders, due } = setup();
  await service.declare({ title: 'Checkout down', severity: 'sev1' }, ana);
  at(30);
  await reminders.sweep();
  const reminderDue = at(30).getTime();
  at(32);
  expect(await reminders.snooze(1, 60, reminderDue, bob)).toEqual({ until: at(92), changed: true });
  at(33);
  expect(await reminders.snooze(1, 30, reminderDue, ana)).toEqual({
    until: at(92),
    changed: false,
  });
  expect(await due()).toEqual(at(92));
  expect(
    (await store.read((tx) => list(tx, 1))).filter((e) => e.kind === 'reminder_snoozed'),
  ).toHaveLength(1);
  at(91);
  expect((await reminders.sweep()).statusReminders).toEqual([]);
  at(92);
  expect((await reminders.sweep()).statusReminders).toEqual([1]);
});

test('resolved incidents stop reminding and cannot be snoozed', async () => {
  const { service, reminders, posted } = setup();
  await service.declare({ title: 'Checkout down', severity: 'sev1' }, ana);
  await service.declare({ title: 'Nobody owns me', severity: 'sev1', ownerId: null }, alerts);
  at(5);
  await service.resolve(1, 'fixed', ana);
  await service.resolve(2, 'fixed', ana);
  at(600);
  expect(await reminders.sweep()).toEqual({
    statusReminders: [],
    ownerReminders: [],
    deferred: [],
  });
  expect(await posted()).toEqual([]);
  await expect(reminders.snooze(1, 30, 0, ana)).rejects.toThrow(/INC-1 is resolved/);
});

test('an incident without an owner is called out in its channel and the announce channel until someone takes command', async () => {
  const { store, service, reminders, posted } = setup();
  await service.declare({ title: 'Disk full', severity: 'sev4', ownerId: null }, alerts);
  at(9);
  expect((await reminders.sweep()).ownerReminders).toEqual([]);
  at(10);
  expect((await reminders.sweep()).ownerReminders).toEqual([1]);
  expect((await reminders.sweep()).ownerReminders).toEqual([]);
  expect(await posted()).toEqual([
    ['channel', { type: 'owner_missing', since: T0.getTime() }],
    ['announce', { type: 'owner_missing', since: T0.getTime() }],
  ]);
  at(20);
  expect((await reminders.sweep()).ownerReminders).toEqual([1]);
  await service.setOwner(1, bob.id, bob);
  at(60);
  expect((await reminders.sweep()).ownerReminders).toEqual([]);
  expect(
    (await store.read((tx) => list(tx, 1))).filter((e) => e.kind === 'reminder_sent'),
  ).toHaveLength(2);
});

test('raising the severity brings the next reminder forward (a sev4 without reminders starts having them)', async () => {
  const { service, due } = setup();
  await service.declare({ title: 'Slow search', severity: 'sev4' }, ana);
  expect(await due()).toBeNull();
  at(5);
  await service.setSeverity(1, 'sev2', ana);
  expect(await due()).toEqual(at(65));
  at(10);
  await service.setSeverity(1, 'sev1', ana);
  expect(await due()).toEqual(at(40));
  at(15);
  await service.setSeverity(1, 'sev2', ana); // lowering never postpones a reminder already due sooner
  expect(await due()).toEqual(at(40));
});

// T0 is Sunday 2026-11-22 10:00 UTC.
const OFFICE_HOURS: OfficeHours = {
  startMinute: 9 * 60,
  endMinute: 18 * 60,
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  timeZone: 'UTC',
};

test('office hours: sev3 reminders wait for the owner’s working day in their zone, sev1 never waits', async () => {
  const { store, service, reminders, posted, due } = setup({ officeHours: OFFICE_HOURS });
  await store.tx((tx) =>
    rememberPeople(tx, [{ userId: ana.id, name: 'Ana', tz: 'America/New_York', fetchedAt: T0 }]),
  );
  await service.declare({ title: 'Checkout down', severity: 'sev1' }, ana);
  await service.declare({ title: 'Search is slow', severity: 'sev3' }, ana);
  at(30);
  expect(await reminders.sweep()).toEqual({
    statusReminders: [1],
    ownerReminders: [],
    deferred: [2],
  });
  // Monday 09:00 in New York is 14:00 UTC, 28 hours after T0.
  expect(await due(2)).toEqual(at(28 * 60));
  at(31);
  expect((await reminders.sweep()).deferred).toEqual([]);
  const view = await store.read((tx) =>
    buildIncidentView(tx, 2, clock, { officeHours: OFFICE_HOURS }),
  );
  expect(view.reminders).toEqual({
    statusUpdateAt: at(28 * 60),
    ownerCallOutAt: null,
    waitingForOfficeHours: false,
  });
  at(28 * 60 - 1);
  expect((await reminders.sweep()).statusReminders).toEqual([1]);
  at(28 * 60);
  expect((await reminders.sweep()).statusReminders).toEqual([2]);
  // sev1 at 30 min and when next swept; sev3 once, on Monday morning.
  expect((await posted()).map(([, m]) => (m as { dueAt: number }).dueAt)).toEqual([
    at(30).getTime(),
    at(60).getTime(),
    at(28 * 60).getTime(),
  ]);
});

test('office hours: the card’s time is already the working-hours one before the sweep gets there', async () => {
  const { store, service } = setup({ officeHours: OFFICE_HOURS });
  await service.declare({ title: 'Search is slow', severity: 'sev3' }, ana);
  await service.declare({ title: 'Nobody owns me', severity: 'sev4', ownerId: null }, alerts);
  const viewOf = (id: number, officeHours: OfficeHours | null = OFFICE_HOURS) =>
    store.read((tx) => buildIncidentView(tx, id, clock, { officeHours: officeHours ?? undefined }));
  // Ana's zone is not known yet: the configured zone (UTC) counts, Monday 09:00 UTC.
  expect((await viewOf(1)).reminders).toEqual({
    statusUpdateAt: at(23 * 60),
    ownerCallOutAt: null,
    waitingForOfficeHours: true,
  });
  // Without office hours the card shows the plain due times.
  expect((await viewOf(1, null)).reminders.statusUpdateAt).toEqual(at(30));
  at(0);
  expect((await viewOf(2)).reminders).toEqual({
    statusUpdateAt: null,
    ownerCallOutAt: at(23 * 60),
    waitingForOfficeHours: true,
  });
});

test('office hours: an unowned sev4 call-out waits for the configured zone; a restart keeps the wait', async () => {
  const { service, reminders, posted, createAgain } = setup({ officeHours: OFFICE_HOURS });
  await service.declare({ title: 'Nobody owns me', severity: 'sev4', ownerId: null }, alerts);
  at(10);
  expect((await reminders.sweep()).deferred).toEqual([1]);
  at(11);
  expect(await createAgain().sweep()).toEqual({
    statusReminders: [],
    ownerReminders: [],
    deferred: [],
  });
  at(23 * 60);
  expect((await createAgain().sweep()).ownerReminders).toEqual([1]);
  expect((await posted()).map(([to]) => to)).toEqual(['channel', 'announce']);
});
