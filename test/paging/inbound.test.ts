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
  const id = s.intake.ingest([
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
  ]).opened[0] as number;
  s.paging.page(id, null, ana);
  await s.drain();
  return id;
}

/** The PagerDuty calls committed for an incident, delivered or not. */
const pagerCalls = (s: ReturnType<typeof setupPaging>, incidentId: number) =>
  laneItems(s.db, pagerLane(incidentId)).map((r) => r.kind);

test('incident.triggered from a mapped service opens an incident through the alert intake, linked as a PagerDuty page', async () => {
  const s = start();
  const e = event('incident.triggered.zulip.json');
  expect(s.inbound.receive(e, 'wh-1')).toEqual({ outcome: 'applied', incidentId: 1, opened: true });
  const incident = findIncident(s.db, 1);
  expect(incident).toMatchObject({
    source: 'alert',
    state: 'triage',
    services: ['checkout'],
    severity: 'sev2',
  });
  expect(pagerDutyAlert(s.db, 'PFQZPSY')).toEqual({
    incidentId: 1,
    status: 'firing',
    url: 'https://pig208.pagerduty.com/incidents/PFQZPSY',
  });
  expect(loadPostmortemRecord(s.db, 1).alerts).toMatchObject({ total: 1, firing: 1 });
  expect(s.pagesOf(1)).toMatchObject([
    { origin: 'pagerduty', pdIncidentId: 'PFQZPSY', status: 'triggered', pdServiceId: 'PA2P440' },
  ]);
  expect(s.messages(1)).toMatchObject([
    { type: 'pagerduty_update', event: 'triggered', assignees: ['PIG 208'] },
  ]);
  // The assignee is asked for; nobody is on call via the escalation policy (that lookup is ours).
  await s.drain();
  expect(s.fake.ops('user')).toEqual([{ op: 'user', args: ['PJ0LVEB'] }]);
  expect(s.fake.ops('onCall')).toEqual([]);
  expect(pagerCalls(s, 1)).toEqual([]);
});

test('a replayed webhook changes nothing, by delivery id and by event id', () => {
  const s = start();
  const e = event('incident.triggered.zulip.json');
  s.inbound.receive(e, 'wh-1');
  // Nothing is delivered in this test, so every outbox item is still pending.
  const counts = () => ({
    incidents: openIncidents(s.db).length,
    timeline: verify(s.db).events,
    outbox: outboxStats(s.db, s.now()).pending,
  });
  const before = counts();
  expect(s.inbound.receive(e, 'wh-1')).toEqual({ outcome: 'duplicate' });
  expect(s.inbound.receive(e, 'wh-2')).toEqual({ outcome: 'duplicate' });
  expect(counts()).toEqual(before);
});

test('unmapped services and unknown event types are recorded in the audit stream and open nothing', () => {
  const s = start({ policy: { services: {} } });
  expect(s.inbound.receive(event('incident.triggered.zulip.json'), 'wh-1')).toMatchObject({
    outcome: 'ignored',
    reason: expect.stringContaining('PA2P440 is not mapped'),
  });
  expect(s.inbound.receive(event('docs.service.updated.json'), 'wh-2')).toMatchObject({
    outcome: 'ignored',
    reason: 'service.updated is not about an incident',
  });
  expect(s.inbound.receive(event('incident.acknowledged.zulip.json'), 'wh-3')).toMatchObject({
    outcome: 'ignored',
  });
  expect(findIncident(s.db, 1)).toBeNull();
  expect(openIncidents(s.db)).toEqual([]);
  const audit = entriesOf(s.db, AUDIT_STREAM);
  expect(audit.map((a) => [a.kind, a.payload.type])).toEqual([
    ['pagerduty_event', 'incident.triggered'],
    ['pagerduty_event', 'service.updated'],
    ['pagerduty_event', 'incident.acknowledged'],
  ]);
  expect(listDeliveries(s.db, 'pagerduty')).toHaveLength(6); // webhook id + event id each
  expect(verify(s.db).problems).toEqual([]);
});

test("PagerDuty's acknowledge sets acknowledgedAt to when it happened there (first wins) and is not sent back", async () => {
  const s = start();
  const id = await paged(s);
  const ack = event('incident.acknowledged.zulip.json', {
    incidentId: 'Q1',
    occurredAt: '2026-11-22T09:58:12.345Z',
  });
  expect(s.inbound.receive(ack, 'wh-ack')).toEqual({
    outcome: 'applied',
    incidentId: id,
    opened: false,
  });
  const incident = findIncident(s.db, id);
  expect(incident?.acknowledgedAt?.toISOString()).toBe('2026-11-22T09:58:12.345Z');
  expect(incident?.state).toBe('investigating');
  expect(s.pagesOf(id)).toMatchObject([{ status: 'acknowledged' }]);
  expect(s.messages(id).at(-1)).toMatchObject({
    type: 'pagerduty_update',
    event: 'acknowledged',
    who: 'PIG 208',
  });
  const entry = list(s.db, id).find((e) => e.kind === 'acknowledged');
  expect(entry).toMatchObject({ actor: 'pagerduty:PJ0LVEB', source: 'pagerduty' });
  expect(entry?.at.toISOString()).toBe('2026-11-22T09:58:12.345Z');

  // A later acknowledge (another responder) does not move the milestone.
  s.inbound.receive(
    event('incident.acknowledged.zulip.json', {
      id: 'ack-2',
      incidentId: 'Q1',
      occurredAt: '2026-11-22T10:05:00Z',
    }),
    'wh-ack-2',
  );
  expect(findIncident(s.db, id)?.acknowledgedAt?.toISOString()).toBe('2026-11-22T09:58:12.345Z');
  await s.drain();
  expect(s.fake.ops('acknowledge')).toEqual([]);
});

test('reassigned and escalated move the owner to the new assignee and say so', async () => {
  const s = start();
  const id = await paged(s);
  s.inbound.receive(
    event('incident.reassigned.zulip.json', { incidentId: 'Q1', assignee: 'PBOB002' }),
    'wh-r',
  );
  await s.drain();
  expect(findIncident(s.db, id)?.ownerId).toBe('U0BOB0001');
  expect(s.messages(id).slice(-2)).toMatchObject([
    { type: 'pagerduty_update', event: 'reassigned', assignees: ['PBOB002'] },
    { type: 'owner_from_pagerduty', ownerId: 'U0BOB0001', reason: 'assigned' },
  ]);
  s.inbound.receive(
    event('incident.escalated.zulip.json', { incidentId: 'Q1', assignee: 'PALICE1' }),
    'wh-e',
  );
  await s.drain();
  expect(findIncident(s.db, id)?.ownerId).toBe('U0ALICE01');
  expect(
    list(s.db, id)
      .filter((e) => e.kind === 'owner_changed')
      .map((e) => e.source),
  ).toEqual([
    'pagerduty', // on call when it opened
    'pagerduty',
    'pagerduty',
  ]);
});

test('priority_updated maps to a severity through pagerduty.priorities', () => {
  const s = start();
  s.inbound.receive(event('incident.triggered.zulip.json', { incidentId: 'PX1' }), 'wh-t');
  s.inbound.receive(
    event('docs.incident.priority_updated.json', { incidentId: 'PX1', priority: 'P1' }),
    'wh-p',
  );
  expect(findIncident(s.db, 1)?.severity).toBe('sev1');
  // A priority with no mapping changes nothing.
  s.inbound.receive(
    event('docs.incident.priority_updated.json', { id: 'p3', incidentId: 'PX1', priority: 'P5' }),
    'wh-p5',
  );
  expect(findIncident(s.db, 1)?.severity).toBe('sev1');
});

test('resolved in PagerDuty offers to resolve (a message with a button) and resolves the PagerDuty alert', async () => {
  const s = start();
  s.inbound.receive(event('incident.triggered.zulip.json', { incidentId: 'PX1' }), 'wh-t');
  s.inbound.receive(event('incident.resolved.zulip.json', { incidentId: 'PX1' }), 'wh-r');
  expect(findIncident(s.db, 1)?.state).toBe('triage');
  expect(s.pagesOf(1)).toMatchObject([{ status: 'resolved' }]);
  expect(pagerDutyAlert(s.db, 'PX1')?.status).toBe('resolved');
  expect(s.messages(1)).toContainEqual(
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
  s.inbound.receive(
    event('incident.resolved.zulip.json', { incidentId: 'Q1', occurredAt: '2026-11-22T11:00:00Z' }),
    'wh-r',
  );
  const incident = findIncident(s.db, id);
  expect(incident?.state).toBe('resolved');
  expect(incident?.resolvedAt?.toISOString()).toBe('2026-11-22T11:00:00.000Z');
  expect(list(s.db, id).find((e) => e.kind === 'resolved')).toMatchObject({ source: 'pagerduty' });
  await s.drain();
  expect(s.fake.ops('resolve')).toEqual([]);
  expect(verify(s.db).problems).toEqual([]);
});

test('our own change coming back from PagerDuty (an echo) changes nothing and says nothing', async () => {
  const s = start();
  const id = await paged(s);
  s.incidents.resolve(id, 'Rolled back', { id: 'U0ALICE01', source: 'slack' });
  await s.drain();
  expect(s.fake.ops('resolve')).toEqual([{ op: 'resolve', args: ['Q1', 'Rolled back'] }]);
  const messages = s.messages(id).length;
  s.inbound.receive(event('incident.resolved.zulip.json', { incidentId: 'Q1' }), 'wh-echo');
  await s.drain();
  expect(s.messages(id)).toHaveLength(messages);
  expect(s.fake.ops('resolve')).toHaveLength(1);
  expect(list(s.db, id).at(-1)).toMatchObject({ kind: 'pagerduty_event', source: 'pagerduty' });
});
