import { expect, test } from 'vitest';
import { openIncident } from '../../src/incidents/open.js';
import { findIncidentRow, servicesOf } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';

const at = new Date('2026-11-22T10:00:00Z');
const policy = { reminders: { sev1: 15 * 60_000 }, unownedReminderMs: 5 * 60_000 };

async function open(ownerId: string | null, severity: 'sev1' | 'sev3', services: string[]) {
  const { store } = testDb();
  const id = await store.tx((tx) =>
    openIncident(
      tx,
      {
        incident: {
          title: 'Checkout 5xx',
          severity,
          state: 'triage',
          ownerId,
          environment: 'production',
          source: 'alert',
          detectedAt: at,
          declaredAt: at,
        },
        services,
        opened: {
          kind: 'incident_opened',
          actor: 'alertmanager',
          source: 'alertmanager',
          payload: { title: 'Checkout 5xx' },
        },
      },
      policy,
      at,
    ),
  );
  return { store, id };
}

test('an incident opens with its first reminders, its services and its first timeline entry', async () => {
  const { store, id } = await open(null, 'sev1', ['checkout', 'payments']);
  const row = await store.read((tx) => findIncidentRow(tx, id));
  expect(row?.nextUpdateDueAt).toEqual(new Date(at.getTime() + 15 * 60_000));
  expect(row?.ownerReminderAt).toEqual(new Date(at.getTime() + 5 * 60_000));
  expect(await store.read((tx) => servicesOf(tx, id))).toEqual(['checkout', 'payments']);
  expect((await store.read((tx) => list(tx, id))).map((e) => [e.kind, e.actor, e.payload])).toEqual(
    [['incident_opened', 'alertmanager', { title: 'Checkout 5xx' }]],
  );
});

test('an owned incident is not nagged about its owner, and a severity without reminders gets none', async () => {
  const { store, id } = await open('U0OWNER', 'sev3', []);
  const row = await store.read((tx) => findIncidentRow(tx, id));
  expect(row?.ownerReminderAt).toBeNull();
  expect(row?.nextUpdateDueAt).toBeNull();
  expect(await store.read((tx) => servicesOf(tx, id))).toEqual([]);
});
