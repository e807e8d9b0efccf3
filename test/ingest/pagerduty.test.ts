import { expect, test } from 'vitest';
import { ZodError } from 'zod';
import { verifyPagerDutySignature } from '../../src/http/pagerduty.js';
import { parsePagerDutyWebhook } from '../../src/ingest/pagerduty.js';
import { buildWebhookEvent, startPagerDutyEmulator } from '../emulators/pagerduty.js';
import { fixture, fixtureText } from '../support/fixtures.js';

const V3 = 'pagerduty/webhook-v3';

test.each([
  ['incident.triggered.zulip.json', 'incident.triggered', 'PFQZPSY', 'triggered'],
  ['incident.acknowledged.zulip.json', 'incident.acknowledged', 'PQ1K5C8', 'acknowledged'],
  ['incident.reassigned.zulip.json', 'incident.reassigned', 'PIQUG8X', 'triggered'],
  ['incident.resolved.zulip.json', 'incident.resolved', 'PCPZE64', 'resolved'],
  ['incident.escalated.zulip.json', 'incident.escalated', 'Q3B15VLMF3ASBD', 'triggered'],
  ['docs.incident.priority_updated.json', 'incident.priority_updated', 'PGR0VU2', 'triggered'],
])('%s → one incident event', (file, type, id, status) => {
  const event = parsePagerDutyWebhook(fixture(`${V3}/${file}`));
  expect(event).toMatchObject({ type, incidentId: id, incident: { id, status } });
  expect(event.occurredAt).toBeInstanceOf(Date);
  expect(Number.isNaN(event.occurredAt.getTime())).toBe(false);
});

test('the acknowledge keeps the time PagerDuty saw it and who did it', () => {
  const event = parsePagerDutyWebhook(fixture(`${V3}/incident.acknowledged.zulip.json`));
  expect(event.occurredAt.toISOString()).toBe('2021-06-04T13:55:30.394Z');
  expect(event.agent).toEqual({ id: 'PJ0LVEB', name: 'PIG 208', isUser: true });
  expect(event.incident).toMatchObject({
    htmlUrl: 'https://pig208.pagerduty.com/incidents/PQ1K5C8',
    service: { id: 'PA2P440', name: 'pig208' },
    escalationPolicy: { id: 'PY82TC6', name: 'Default' },
    assignees: [{ id: 'PJ0LVEB', name: 'PIG 208' }],
    priority: null,
    urgency: 'high',
    incidentKey: null, // older payloads carry no incident_key
  });
});

test('newer payloads carry the incident key and the priority; reassignments name the new assignee', () => {
  const escalated = parsePagerDutyWebhook(fixture(`${V3}/incident.escalated.zulip.json`));
  expect(escalated.incident).toMatchObject({
    incidentKey: 'd387d7bd2e0a4294a5307339dfe1669a',
    priority: { id: 'P12CAYR', name: 'P1' },
    number: 5,
  });
  const reassigned = parsePagerDutyWebhook(fixture(`${V3}/incident.reassigned.zulip.json`));
  expect(reassigned.incident?.assignees).toEqual([{ id: 'PI9DT01', name: 'Test User' }]);
  const resolved = parsePagerDutyWebhook(fixture(`${V3}/incident.resolved.zulip.json`));
  expect(resolved.incident?.assignees).toEqual([]);
});

test('events that are not about an incident parse as events about nothing', () => {
  const event = parsePagerDutyWebhook(fixture(`${V3}/docs.service.updated.json`));
  expect(event).toMatchObject({
    type: 'service.updated',
    incidentId: null,
    incident: null,
    agent: null,
  });
});

test('incident.annotated names its incident and carries the note', async () => {
  const emu = await startPagerDutyEmulator();
  try {
    const incident = emu.createIncident({ title: 'Checkout down', serviceId: 'PSVC001' });
    const note = emu.addNote(incident.id, 'Rolled back v42', 'PALICE1');
    const event = parsePagerDutyWebhook(
      buildWebhookEvent('incident.annotated', incident, null, {
        note: { id: note.id, content: note.content },
      }),
    );
    expect(event).toMatchObject({
      incidentId: incident.id,
      incident: null,
      note: 'Rolled back v42',
    });
  } finally {
    await emu.close();
  }
});

test('a body that is not a v3 envelope is refused with the problems', () => {
  expect(() => parsePagerDutyWebhook({ messages: [] })).toThrow(ZodError);
  expect(() =>
    parsePagerDutyWebhook({
      event: { id: 'x', event_type: 'incident.triggered', occurred_at: 'yesterday' },
    }),
  ).toThrow(ZodError);
});

// go-pagerduty's webhookv3 test vector (test/fixtures/SOURCES.md).
const SECRET = 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK';
const GOOD = 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd';
const BAD = 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5';

test('signatures: any v1 value against any of our secrets, over the raw body', () => {
  const raw = Buffer.from(fixtureText(`${V3}/signed.incident.priority_updated.raw-body.json`));
  expect(verifyPagerDutySignature(raw, GOOD, [SECRET])).toBe(true);
  expect(verifyPagerDutySignature(raw, `${BAD},${GOOD}`, [SECRET])).toBe(true);
  expect(verifyPagerDutySignature(raw, GOOD, ['old-secret', SECRET])).toBe(true);
  expect(verifyPagerDutySignature(raw, BAD, [SECRET])).toBe(false);
  expect(verifyPagerDutySignature(raw, undefined, [SECRET])).toBe(false);
  expect(verifyPagerDutySignature(raw, GOOD, [])).toBe(false);
  expect(verifyPagerDutySignature(raw, GOOD.replace('v1=', 'v0='), [SECRET])).toBe(false);
  // One byte of the body changed (re-serialized JSON, say) and the signature no longer holds.
  const reformatted = Buffer.from(JSON.stringify(JSON.parse(raw.toString()), null, 2));
  expect(verifyPagerDutySignature(reformatted, GOOD, [SECRET])).toBe(false);
});
