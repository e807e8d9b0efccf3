import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import type { MessageDelivery } from '../../src/domain/messages.js';
import type { IncidentEvent } from '../../src/incidents/events.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import { createIncidents } from '../../src/incidents/service.js';
import { findIncident, findIncidentRow } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { list } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';

const T0 = new Date('2026-11-22T10:00:00Z');
let close: (() => void) | undefined;
afterEach(() => close?.());

function setup() {
  const opened = testDb();
  close = opened.close;
  const events: IncidentEvent[] = [];
  const common = {
    store: opened.store,
    now: () => T0,
    kick: () => {},
    catalog: createCatalog({}),
    listeners: [async (_tx: unknown, e: IncidentEvent) => void events.push(e)],
  };
  const policy = {
    defaultEnvironment: 'production',
    reminders: { sev1: 30 * 60_000 },
    unownedReminderMs: 10 * 60_000,
    archiveAfterMs: 24 * 60 * 60_000,
  };
  const intake = createAlertIntake({
    ...common,
    policy: { ...policy, severityLabels: undefined, autoResolve: true },
  });
  const service = createIncidents({
    ...common,
    policy: { ...policy, deployers: [], commanders: [] },
  });
  const messages = async () =>
    (await opened.store.read((tx) => outboxItems(tx)))
      .filter((o) => o.kind === 'chat.message')
      .map((o) => (o.payload as unknown as MessageDelivery).message);
  return { ...opened, intake, service, events, messages };
}

const alert = (status: 'firing' | 'resolved') => ({
  source: 'generic' as const,
  key: 'k1',
  groupKey: 'g1',
  status,
  title: 'Disk full',
  description: null,
  service: null,
  environment: null,
  severityLabel: 'critical',
  labels: {},
  annotations: {},
  url: null,
  startsAt: T0,
  endsAt: null,
});

test('alerts resolving by themselves (autoResolve) resolve like a person does: listeners told, reminders stopped, one message with the archive offer', async () => {
  const { store, intake, events, messages } = setup();
  await intake.ingest([alert('firing')]);
  await intake.ingest([alert('resolved')]);
  expect(await store.read((tx) => findIncident(tx, 1))).toMatchObject({
    state: 'resolved',
    resolvedAt: T0,
    resolution: 'Every alert resolved.',
    acknowledgedAt: null, // nobody acknowledged: MTTA must not pretend otherwise
  });
  expect(await store.read((tx) => findIncidentRow(tx, 1))).toMatchObject({
    nextUpdateDueAt: null,
    ownerReminderAt: null,
  });
  expect(events.map((e) => e.type)).toEqual(['opened', 'resolved']);
  expect(await messages()).toEqual([
    {
      type: 'resolved',
      by: 'firebreak',
      summary: 'Every alert resolved.',
      archiveAfterMs: 86_400_000,
    },
  ]);
  expect(
    (await store.read((tx) => list(tx, 1))).find((e) => e.kind === 'resolved')?.payload,
  ).toEqual({
    from: 'triage',
    summary: 'Every alert resolved.',
    automatic: true,
  });
});

test('a person resolving gets the same message, and a second resolve changes nothing', async () => {
  const { store, service, events, messages } = setup();
  await service.declare(
    { title: 'Checkout down', severity: 'sev1' },
    { id: 'U0ANA0001', source: 'slack' },
  );
  await service.resolve(1, 'Rolled back', { id: 'U0ANA0001', source: 'slack' });
  await service.resolve(1, 'Again', { id: 'U0ANA0001', source: 'slack' });
  expect(await messages()).toEqual([
    { type: 'resolved', by: 'U0ANA0001', summary: 'Rolled back', archiveAfterMs: 86_400_000 },
  ]);
  expect(events.filter((e) => e.type === 'resolved')).toHaveLength(1);
  expect((await store.read((tx) => list(tx, 1))).filter((e) => e.kind === 'resolved')).toHaveLength(
    1,
  );
});
