import { afterEach, expect, test } from 'vitest';
import type { Actor } from '../../src/incidents/events.js';
import { parsePagerDutyWebhook } from '../../src/ingest/pagerduty.js';
import type { PagerDutyEvent } from '../../src/ingest/pagerduty-events.js';
import { pagerLane } from '../../src/paging/effects.js';
import { loadPostmortemRecord } from '../../src/postmortem/record.js';
import { listDeliveries } from '../../src/store/deliveries.js';
import { findIncident, openIncidents } from '../../src/store/incidents.js';
import { laneItems, outboxStats } from '../../src/store/outbox.js';
import { pagerDutyAlert } from '../../src/store/paging.js';
import { entriesOf } from '../../src/store/timeline.js';
import { AUDIT_STREAM, list, verify } from '../../src/timeline/timeline.js';
import { fixture } from '../support/fixtures.js';
import { type PagingSetupOptions, setupPaging } from '../support/paging.js';

const ana: Actor = { id: 'U0ANA0001', source: 'slack' };
let setup: ReturnType<typeof setupPaging> | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

// The fixtures come from PagerDuty service PA2P440 ("pig208"); map it to our checkout service.
function start(options: PagingSetupOptions = {}) {
  setup = setupPaging({
    ...options,
    policy: {
      services: {
        checkout: { pagerduty: { serviceId: 'PA2P440', escalationPolicyId: 'PEPOL01' } },
      },
      ...options.policy,
    },
  });
  return setup;
}

interface Patch {
  id?: string;
  incidentId?: string;
  occurredAt?: string;
  assignee?: string;
  priority?: string;
}

/** A real delivery from test/fixtures, pointed at our incident and time. */
function event(file: string, patch: Patch = {}): PagerDutyEvent {
  const body = structuredClone(
    fixture<{ event: Record<string, unknown> }>(`pagerduty/webhook-v3/${file}`),
  );
  const e = body.event as Record<string, unknown> & { data: Record<string, unknown> };
  if (patch.id) e.id = patch.id;
  if (patch.occurredAt) e.occurred_at = patch.occurredAt;
  if (patch.incidentId) e.data.id = patch.incidentId;
  if (patch.assignee)
    e.data.assignees = [{ id: patch.assignee, type: 'user_reference', summary: patch.assignee }];
  if (patch.priority)
    e.data.priority = { id: 'PPRIO', type: 'priority_reference', summary: patch.priority };
  return parsePagerDutyWebhook(body);
}

/** An incident firebreak paged: its page is linked to PagerDuty incident Q1. */
async function paged(s: ReturnType<typeof setupPaging>) {
  const id = (
    await s.intake.ingest([
      {
        source: 'generic',
        key: 'checkout-5xx',
        groupKey: null,
        status: 'firing',
        title: 'Checkout 5xx',
        description: null,
        service: 'checkout',
        environment: null,
        severityLabel: 'warning',
        labels: {},
        annotations: {},
        url: null,
        startsAt: null,
        endsAt: null,
      },
    ])
  ).opened[0] as number;
  await s.paging.page(id, null, ana);
  await s.drain();
  return id;
}

/** The PagerDuty calls committed for an incident, delivered or not. */
const pagerCalls = async (s: ReturnType<typeof setupPaging>, incidentId: number) =>
  (await s.store.read((tx) => laneItems(tx, pagerLane(incidentId)))).map((r) => r.kind);

test('incident.triggered from a mapped service opens an incident through the alert intake, linked as a PagerDuty page', async () => {
  const s = start();
  const e = event('incident.triggered.zulip.json');
  expect(await s.inbound.receive(e, 'wh-1')).toEqual({
    outcome: 'applied',
    incidentId: 1,
    opened: true,
  });
  const incident = await s.store.read((tx) => findIncident(tx, 1));
  expect(incident).toMatchObject({
    source: 'alert',
    state: 'triage',
    services: ['checkout'],
    severity: 'sev2',
  });
  expect(await s.store.read((tx) => pagerDutyAlert(tx, 'PFQZPSY'))).toEqual({
    incidentId: 1,
    status: 'firing',
    url: 'https://pig208.pagerduty.com/incidents/PFQZPSY',
  });
  expect((await s.store.read((tx) => loadPostmortemRecord(tx, 1))).alerts).toMatchObject({
    total: 1,
    firing: 1,
  });
  expect(await s.pagesOf(1)).toMatchObject([
    { origin: 'pagerduty', pdIncidentId: 'PFQZPSY', status: 'triggered', pdServiceId: 'PA2P440' },
  ]);
  expect(await s.messages(1)).toMatchObject([
    { type: 'pagerduty_update', event: 'triggered', assignees: ['PIG 208'] },
  ]);
  // The assignee is asked for; nobody is on call via the escalation policy (that lookup is ours).
  await s.drain();
  expect(s.fake.ops('user')).toEqual([{ op: 'user', args: ['PJ0LVEB'] }]);
  expect(s.fake.ops('onCall')).toEqual([]);
  expect(await pagerCalls(s, 1)).toEqual([]);
});

test('a replayed webhook changes nothing, by delivery id and by event id', async () => {
  const s = start();
  const e = event('incident.triggered.zulip.json');
  await s.inbound.receive(e, 'wh-1');
  // Nothing is delivered in this test, so every outbox item is still pending.
  const counts = async () => ({
    incidents: (await s.store.read((tx) => openIncidents(tx))).length,
    timeline: (await s.store.read((tx) => verify(tx))).events,
    outbox: (await s.store.read((tx) => outboxStats(tx, s.now()))).pending,
  });
  const before = await counts();
  expect(await s.inbound.receive(e, 'wh-1')).toEqual({ outcome: 'duplicate' });
  expect(await s.inbound.receive(e, 'wh-2')).toEqual({ outcome: 'duplicate' });
  expect(await counts()).toEqual(before);
});

test('unmapped services and unknown event types are recorded in the audit stream and open nothing', async () => {
  const s = start({ policy: { services: {} } });
  expect(await s.inbound.receive(event('incident.triggered.zulip.json'), 'wh-1')).toMatchObject({
    outcome: 'ignored',
    reason: expect.stringContaining('PA2P440 is not mapped'),
  });
  expect(await s.inbound.receive(event('docs.service.updated.json'), 'wh-2')).toMatchObject({
    outcome: 'ignored',
    reason: 'service.updated is not about an incident',
  });
  expect(await s.inbound.receive(event('incident.acknowledged.zulip.json'), 'wh-3')).toMatchObject({
    outcome: 'ignored',
  });
  expect(await s.store.read((tx) => findIncident(tx, 1))).toBeNull();
  expect(await s.store.read((tx) => openIncidents(tx))).toEqual([]);
  const audit = await s.store.read((tx) => entriesOf(tx, AUDIT_STREAM));
  expect(audit.map((a) => [a.kind, a.payload.type])).toEqual([
    ['pagerduty_event', 'incident.triggered'],
    ['pagerduty_event', 'service.updated'],
    ['pagerduty_event', 'incident.acknowledged'],
  ]);
  expect(await s.store.read((tx) => listDeliveries(tx, 'pagerduty'))).toHaveLength(6); // webhook id + event id each
  expect((await s.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test("PagerDuty's acknowledge sets acknowledgedAt to when it happened there (first wins) and is not sent back", async () => {
  const s = start();
  const id = await paged(s);
  const ack = event('incident.acknowledged.zulip.json', {
    incidentId: 'Q1',
    occurredAt: '2026-11-22T09:58:12.345Z',
  });
  expect(await s.inbound.receive(ack, 'wh-ack')).toEqual({
    outcome: 'applied',
    incidentId: id,
    opened: false,
  });
  const incident = await s.store.read((tx) => findIncident(tx, id));
  expect(incident?.acknowledgedAt?.toISOString()).toBe('2026-11-22T09:58:12.345Z');
  expect(incident?.state).toBe('investigating');
  expect(await s.pagesOf(id)).toMatchObject([{ status: 'acknowledged' }]);
  expect((await s.messages(id)).at(-1)).toMatchObject({
    type: 'pagerduty_update',
    event: 'acknowledged',
    who: 'PIG 208',
  });
  const entry = (await s.store.read((tx) => list(tx, id))).find((e) => e.kind === 'acknowledged');
  expect(entry).toMatchObject({ actor: 'pagerduty:PJ0LVEB', source: 'pagerduty' });
  expect(entry?.at.toISOString()).toBe('2026-11-22T09:58:12.345Z');

  // A later acknowledge (another responder) does not move the milestone.
  await s.inbound.receive(
    event('incident.acknowledged.zulip.json', {
      id: 'ack-2',
      incidentId: 'Q1',
      occurredAt: '2026-11-22T10:05:00Z',
    }),
    'wh-ack-2',
  );
  expect((await s.store.read((tx) => findIncident(tx, id)))?.acknowledgedAt?.toISOString()).toBe(
    '2026-11-22T09:58:12.345Z',
  );
  await s.drain();
  expect(s.fake.ops('acknowledge')).toEqual([]);
});

test('reassigned and escalated move the owner to the new assignee and say so', async () => {
  const s = start();
  const id = await paged(s);
  await s.inbound.receive(
    event('incident.reassigned.zulip.json', { incidentId: 'Q1', assignee: 'PBOB002' }),
    'wh-r',
  );
  await s.drain();
  expect((await s.store.read((tx) => findIncident(tx, id)))?.ownerId).toBe('U0BOB0001');
  expect((await s.messages(id)).slice(-2)).toMatchObject([
    { type: 'pagerduty_update', event: 'reassigned', assignees: ['PBOB002'] },
    { type: 'owner_from_pagerduty', ownerId: 'U0BOB0001', reason: 'assigned' },
  ]);
  await s.inbound.receive(
    event('incident.escalated.zulip.json', { incidentId: 'Q1', assignee: 'PALICE1' }),
    'wh-e',
  );
  await s.drain();
  expect((await s.store.read((tx) => findIncident(tx, id)))?.ownerId).toBe('U0ALICE01');
  expect(
    (await s.store.read((tx) => list(tx, id)))
      .filter((e) => e.kind === 'owner_changed')
      .map((e) => e.source),
  ).toEqual([
    'pagerduty', // on call when it opened
    'pagerduty',
    'pagerduty',
  ]);
});

test('priority_updated maps to a severity through pagerduty.priorities', async () => {
  const s = start();
  await s.inbound.receive(event('incident.triggered.zulip.json', { incidentId: 'PX1' }), 'wh-t');
  await s.inbound.receive(
    event('docs.incident.priority_updated.json', { incidentId: 'PX1', priority: 'P1' }),
    'wh-p',
  );
  expect((await s.store.read((tx) => findIncident(tx, 1)))?.severity).toBe('sev1');
  // A priority with no mapping changes nothing.
  await s.inbound.receive(
    event('docs.incident.priority_updated.json', { id: 'p3', incidentId: 'PX1', priority: 'P5' }),
    'wh-p5',
  );
  expect((await s.store.read((tx) => findIncident(tx, 1)))?.severity).toBe('sev1');
});

test('resolved in PagerDuty offers to resolve (a message with a button) and resolves the PagerDuty alert', async () => {
  const s = start();
  await s.inbound.receive(event('incident.triggered.zulip.json', { incidentId: 'PX1' }), 'wh-t');
  await s.inbound.receive(event('incident.resolved.zulip.json', { incidentId: 'PX1' }), 'wh-r');
  expect((await s.store.read((tx) => findIncident(tx, 1)))?.state).toBe('triage');
  expect(await s.pagesOf(1)).toMatchObject([{ status: 'resolved' }]);
  expect((await s.store.read((tx) => pagerDutyAlert(tx, 'PX1')))?.status).toBe('resolved');
  expect(await s.messages(1)).toContainEqual(
    expect.objectContaining({
      type: 'pagerduty_update',
      event: 'resolved',
      autoResolved: false,
      openPages: 0,
    }),
  );
  await s.drain();
  expect(s.fake.ops('resolve')).toEqual([]);
});

test('with pagerduty.autoResolve the incident is resolved at the time PagerDuty resolved it, and nothing is sent back', async () => {
  const s = start({ policy: { autoResolve: true } });
  const id = await paged(s);
  await s.inbound.receive(
    event('incident.resolved.zulip.json', { incidentId: 'Q1', occurredAt: '2026-11-22T11:00:00Z' }),
    'wh-r',
  );
  const incident = await s.store.read((tx) => findIncident(tx, id));
  expect(incident?.state).toBe('resolved');
  expect(incident?.resolvedAt?.toISOString()).toBe('2026-11-22T11:00:00.000Z');
  expect(
    (await s.store.read((tx) => list(tx, id))).find((e) => e.kind === 'resolved'),
  ).toMatchObject({ source: 'pagerduty' });
  await s.drain();
  expect(s.fake.ops('resolve')).toEqual([]);
  expect((await s.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('our own change coming back from PagerDuty (an echo) changes nothing and says nothing', async () => {
  const s = start();
  const id = await paged(s);
  await s.incidents.resolve(id, 'Rolled back', { id: 'U0ALICE01', source: 'slack' });
  await s.drain();
  expect(s.fake.ops('resolve')).toEqual([{ op: 'resolve', args: ['Q1', 'Rolled back'] }]);
  const messages = (await s.messages(id)).length;
  await s.inbound.receive(event('incident.resolved.zulip.json', { incidentId: 'Q1' }), 'wh-echo');
  await s.drain();
  expect(await s.messages(id)).toHaveLength(messages);
  expect(s.fake.ops('resolve')).toHaveLength(1);
  expect((await s.store.read((tx) => list(tx, id))).at(-1)).toMatchObject({
    kind: 'pagerduty_event',
    source: 'pagerduty',
  });
});
