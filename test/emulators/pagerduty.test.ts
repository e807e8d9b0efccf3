import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { api } from '@pagerduty/pdjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/fixtures.js';
import {
  buildWebhookEvent,
  DEFAULT_PAGERDUTY_TOKEN,
  deliverWebhook,
  type PagerDutyEmulator,
  type PdReference,
  signWebhook,
  startPagerDutyEmulator,
  type WebhookEventType,
} from './pagerduty.js';

const PD_FIXTURES = join(FIXTURES, 'pagerduty');

async function fixture(relative: string): Promise<unknown> {
  return JSON.parse(await readFile(join(PD_FIXTURES, relative), 'utf8'));
}

function dig(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function keysAt(value: unknown, ...path: Array<string | number>): string[] {
  const target = dig(value, ...path);
  return typeof target === 'object' && target !== null ? Object.keys(target) : [];
}

/** The bot-side check from slack-platform.md §4.3, used to prove our signatures verify. */
function verifySignature(raw: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const want = Buffer.from(`v1=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  return header
    .split(',')
    .map((s) => Buffer.from(s.trim()))
    .some((got) => got.length === want.length && timingSafeEqual(got, want));
}

interface Captured {
  headers: IncomingHttpHeaders;
  body: string;
}

async function startSink(statuses: number[] = []) {
  const received: Captured[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 202, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/pagerduty`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const FROM = { From: 'alice@example.com' };
// requestTimeout: 0 stops pdjs from leaving a 30 s timer behind; retryTimeout keeps 429 retries fast.
const pd = api({ token: DEFAULT_PAGERDUTY_TOKEN, requestTimeout: 0, retryTimeout: 10 });

let emu: PagerDutyEmulator;
const at = (path: string): string => `${emu.url}${path}`;

function incidentBody(overrides: Record<string, unknown> = {}) {
  return {
    incident: {
      type: 'incident',
      title: 'Checkout is returning 5xx',
      service: { id: 'PSVC001', type: 'service_reference' },
      urgency: 'high',
      incident_key: 'checkout-5xx',
      body: { type: 'incident_body', details: '5xx ratio above 10%' },
      ...overrides,
    },
  };
}

function createViaPdjs(
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = FROM,
) {
  return pd.post('/incidents', { url: at('/incidents'), data: incidentBody(overrides), headers });
}

function putIncident(id: string, incident: Record<string, unknown>) {
  return pd.put(`/incidents/${id}`, {
    url: at(`/incidents/${id}`),
    data: { incident: { type: 'incident_reference', ...incident } },
    headers: FROM,
  });
}

beforeAll(async () => {
  emu = await startPagerDutyEmulator();
});
afterEach(() => emu.reset());
afterAll(() => emu.close());

describe('REST API through @pagerduty/pdjs', () => {
  it('creates an incident (201) assigned to the on-call user, shaped like the API example', async () => {
    const r = await createViaPdjs();
    expect(r.status).toBe(201);
    const incident = r.data.incident;
    expect(incident).toMatchObject({
      type: 'incident',
      status: 'triggered',
      title: 'Checkout is returning 5xx',
      incident_key: 'checkout-5xx',
      urgency: 'high',
      incident_number: 1,
      service: { id: 'PSVC001', type: 'service_reference' },
      escalation_policy: { id: 'PEPOL01', type: 'escalation_policy_reference' },
      assigned_via: 'escalation_policy',
    });
    expect(incident.assignments.map((a: { assignee: PdReference }) => a.assignee.id)).toEqual([
      'PALICE1',
    ]);
    const example = await fixture('rest-api/incidents.create.201.response.json');
    expect(Object.keys(incident)).toEqual(expect.arrayContaining(keysAt(example, 'incident')));

    expect(emu.log).toMatchObject([{ type: 'trigger', via: 'rest', agent: { id: 'PALICE1' } }]);
    expect(emu.requests[0]).toMatchObject({
      method: 'POST',
      path: '/incidents',
      status: 201,
      headers: {
        accept: 'application/vnd.pagerduty+json;version=2',
        authorization: `Token token=${DEFAULT_PAGERDUTY_TOKEN}`,
        from: 'alice@example.com',
      },
    });

    emu.setOnCall('PEPOL01', 'PBOB002');
    const handedOff = await createViaPdjs({ incident_key: 'other' });
    expect(handedOff.data.incident.assignments[0].assignee.id).toBe('PBOB002');
  });

  it('rejects a second open incident with the same incident_key instead of creating it', async () => {
    const first = await createViaPdjs();
    const second = await createViaPdjs();
    expect(second.ok).toBe(false);
    expect(second.status).toBe(400);
    expect(second.data.error).toMatchObject({
      code: 2002,
      errors: ['Open incident with matching dedup key already exists on this service'],
    });
    expect(emu.incidents).toHaveLength(1);

    await putIncident(first.data.incident.id, { status: 'resolved' });
    const reopened = await createViaPdjs();
    expect(reopened.status).toBe(201);
    expect(emu.incidents).toHaveLength(2);
  });

  it('acknowledges and resolves through PUT /incidents/:id', async () => {
    const id: string = (await createViaPdjs()).data.incident.id;

    const ack = await putIncident(id, { status: 'acknowledged' });
    expect(ack.status).toBe(200);
    expect(ack.data.incident.status).toBe('acknowledged');
    expect(ack.data.incident.acknowledgements[0].acknowledger.id).toBe('PALICE1');

    const resolved = await putIncident(id, {
      status: 'resolved',
      resolution: 'Rolled back deploy 42',
    });
    expect(resolved.data.incident).toMatchObject({ status: 'resolved', assignments: [] });
    expect(resolved.data.incident.resolved_at).toEqual(expect.any(String));
    expect(emu.notes(id).map((n) => n.content)).toEqual(['Rolled back deploy 42']);
    expect(emu.log.map((e) => e.type)).toEqual(['trigger', 'acknowledge', 'resolve']);

    const again = await putIncident(id, { status: 'acknowledged' });
    expect(again.status).toBe(400);
    expect(again.data.error.code).toBe(1001);

    const fetched = await pd.get(`/incidents/${id}`, { url: at(`/incidents/${id}`) });
    expect(fetched.data.incident.status).toBe('resolved');
  });

  it('escalates, reassigns and sets priority, logging each change', async () => {
    const id: string = (await createViaPdjs()).data.incident.id;
    const escalated = await putIncident(id, { escalation_level: 2 });
    expect(escalated.data.incident.assignments[0].assignee.id).toBe('PBOB002');
    const reassigned = await putIncident(id, {
      assignments: [{ assignee: { id: 'PALICE1', type: 'user_reference' } }],
    });
    expect(reassigned.data.incident).toMatchObject({
      assigned_via: 'direct_assignment',
      status: 'triggered',
    });
    const prioritised = await putIncident(id, {
      priority: { id: 'PPRIO01', type: 'priority_reference' },
    });
    expect(prioritised.data.incident.priority).toMatchObject({ id: 'PPRIO01', summary: 'P1' });
    expect(emu.log.map((e) => e.type)).toEqual(['trigger', 'escalate', 'reassign', 'priority']);
  });

  it('bulk-manages with PUT /incidents and filters GET /incidents', async () => {
    const a: string = (await createViaPdjs({ incident_key: 'a' })).data.incident.id;
    const b: string = (await createViaPdjs({ incident_key: 'b' })).data.incident.id;
    await createViaPdjs({ incident_key: 'c' });

    const bulk = await pd.put('/incidents', {
      url: at('/incidents'),
      headers: FROM,
      data: {
        incidents: [
          { id: a, type: 'incident_reference', status: 'acknowledged' },
          { id: b, type: 'incident_reference', status: 'resolved' },
        ],
      },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.data.incidents.map((i: { status: string }) => i.status)).toEqual([
      'acknowledged',
      'resolved',
    ]);

    const open = await pd.get('/incidents', {
      url: at('/incidents'),
      data: { 'statuses[]': ['triggered', 'acknowledged'], 'service_ids[]': ['PSVC001'] },
    });
    expect(open.data.incidents).toHaveLength(2);
    expect(open.resource).toBeNull(); // pdjs only derives `resource` for *.com URLs

    const byKey = await pd.get('/incidents', {
      url: at('/incidents'),
      data: { incident_key: 'b' },
    });
    expect(byKey.data.incidents.map((i: { id: string }) => i.id)).toEqual([b]);

    const page = await pd.get('/incidents', {
      url: at('/incidents'),
      data: { limit: '1', offset: '1' },
    });
    expect(page.data).toMatchObject({ limit: 1, offset: 1, more: true, total: null });
  });

  it('adds notes', async () => {
    const id: string = (await createViaPdjs()).data.incident.id;
    const r = await pd.post(`/incidents/${id}/notes`, {
      url: at(`/incidents/${id}/notes`),
      data: { note: { content: 'Firefighters are on the scene.' } },
      headers: FROM,
    });
    expect(r.status).toBe(200);
    expect(r.data.note).toMatchObject({
      content: 'Firefighters are on the scene.',
      user: { id: 'PALICE1' },
    });
    expect(emu.log.at(-1)).toMatchObject({ type: 'annotate', incidentId: id });
  });

  it('lists on-calls, embedding users with include[]=users', async () => {
    const plain = await pd.get('/oncalls', {
      url: at('/oncalls'),
      data: { 'escalation_policy_ids[]': ['PEPOL01'], earliest: 'true' },
    });
    expect(plain.data.oncalls.map((o: { escalation_level: number }) => o.escalation_level)).toEqual(
      [1, 2],
    );
    expect(plain.data.oncalls[0].user).toMatchObject({ id: 'PALICE1', type: 'user_reference' });
    expect(plain.data.oncalls[0].user.email).toBeUndefined();

    const withUsers = await pd.get('/oncalls', {
      url: at('/oncalls'),
      data: { 'escalation_policy_ids[]': ['PEPOL01'], 'include[]': ['users'] },
    });
    expect(withUsers.data.oncalls[0].user).toMatchObject({
      id: 'PALICE1',
      type: 'user',
      email: 'alice@example.com',
    });
    const example = await fixture('rest-api/oncalls.list.200.response.json');
    expect(Object.keys(withUsers.data.oncalls[0]).sort()).toEqual(
      keysAt(example, 'oncalls', 0).sort(),
    );
  });

  it('answers 401 with code 2006 for a missing or unknown token', async () => {
    const wrong = await api({ token: 'nope', requestTimeout: 0 }).get('/abilities', {
      url: at('/abilities'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.data).toEqual({ error: { message: 'Authentication failed', code: 2006 } });
    const anonymous = await fetch(at('/incidents'));
    expect(anonymous.status).toBe(401);
  });

  it('requires a From header naming a known user for writes', async () => {
    const missing = await createViaPdjs({}, {});
    expect(missing.status).toBe(400);
    expect(missing.data.error).toMatchObject({
      code: 2016,
      message: expect.stringContaining('"From" header'),
    });
    const unknown = await createViaPdjs({}, { From: 'stranger@example.com' });
    expect(unknown.status).toBe(400);
    expect(emu.incidents).toHaveLength(0);

    emu.addToken({ token: 'bob-user-token', userId: 'PBOB002' });
    const asBob = await api({ token: 'bob-user-token', requestTimeout: 0 }).post('/incidents', {
      url: at('/incidents'),
      data: incidentBody(),
    });
    expect(asBob.status).toBe(201);
    expect(emu.log[0]?.agent?.id).toBe('PBOB002');
  });

  it('rejects an unknown service and 404s unknown resources', async () => {
    const r = await createViaPdjs({ service: { id: 'PNOPE00', type: 'service_reference' } });
    expect(r.status).toBe(400);
    expect(r.data.error).toMatchObject({ code: 2002, errors: ['Service not found'] });
    const missing = await pd.get('/incidents/QNOPE', { url: at('/incidents/QNOPE') });
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({ error: { message: 'Not Found', code: 2100 } });
  });

  it('serves users, services, escalation policies and abilities', async () => {
    const user = await pd.get('/users/PALICE1', { url: at('/users/PALICE1') });
    expect(user.data.user).toMatchObject({
      id: 'PALICE1',
      type: 'user',
      email: 'alice@example.com',
    });
    const service = await pd.get('/services/PSVC001', { url: at('/services/PSVC001') });
    expect(service.data.service.escalation_policy.id).toBe('PEPOL01');
    const ep = await pd.get('/escalation_policies/PEPOL01', {
      url: at('/escalation_policies/PEPOL01'),
    });
    expect(ep.data.escalation_policy.escalation_rules).toHaveLength(2);
    const abilities = await pd.get('/abilities', { url: at('/abilities') });
    expect(abilities.status).toBe(200);
  });

  it('reset() returns to the seeded state', async () => {
    await createViaPdjs();
    emu.setOnCall('PEPOL01', 'PBOB002');
    emu.reset();
    expect(emu.incidents).toHaveLength(0);
    expect(emu.requests).toHaveLength(0);
    expect(emu.log).toHaveLength(0);
    expect((await createViaPdjs()).data.incident.assignments[0].assignee.id).toBe('PALICE1');
  });
});

describe('fault injection', () => {
  it('429 carries rate-limit headers; pdjs retries it on its own', async () => {
    emu.failNext('GET /abilities', { status: 429, retryAfter: 2 });
    const raw = await fetch(at('/abilities'), {
      headers: { Authorization: `Token token=${DEFAULT_PAGERDUTY_TOKEN}` },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('ratelimit-limit')).toBe('960');
    expect(raw.headers.get('ratelimit-remaining')).toBe('0');
    expect(raw.headers.get('ratelimit-reset')).toBe('2');
    expect(await raw.json()).toEqual({ error: { message: 'Rate Limit Exceeded', code: 2020 } });

    emu.failNext('POST /incidents', { status: 429 }, 2);
    const r = await createViaPdjs();
    expect(r.status).toBe(201);
    expect(emu.requests.slice(1).map((q) => q.status)).toEqual([429, 429, 201]);
    expect(emu.incidents).toHaveLength(1);
  });

  it('pdjs resolves with the 429 after three retries', async () => {
    emu.failNext('*', { status: 429 }, 10);
    const r = await pd.get('/abilities', { url: at('/abilities') });
    expect(r.status).toBe(429);
    expect(emu.requests).toHaveLength(4);
  });

  it('500 is not retried by pdjs and changes nothing', async () => {
    const id: string = (await createViaPdjs()).data.incident.id;
    emu.failNext('PUT /incidents/:id', { status: 500 });
    const r = await putIncident(id, { status: 'acknowledged' });
    expect(r.ok).toBe(false);
    expect(r.status).toBe(500);
    expect(emu.requests).toHaveLength(2);
    expect(emu.incident(id)?.status).toBe('triggered');
  });

  it('matches exact paths: PUT /incidents is the bulk endpoint only', async () => {
    const id: string = (await createViaPdjs()).data.incident.id;
    emu.failNext('PUT /incidents', { status: 503 });
    expect((await putIncident(id, { status: 'acknowledged' })).status).toBe(200);
    const bulk = await fetch(at('/incidents'), {
      method: 'PUT',
      headers: { Authorization: `Token token=${DEFAULT_PAGERDUTY_TOKEN}`, ...FROM },
      body: '{}',
    });
    expect(bulk.status).toBe(503);
  });

  it('a 502 HTML page makes pdjs reject (it cannot parse the body)', async () => {
    emu.failNext('GET /abilities', { status: 502 });
    await expect(pd.get('/abilities', { url: at('/abilities') })).rejects.toMatchObject({
      status: 502,
    });
  });

  it('delays responses', async () => {
    emu.failNext('GET /abilities', { delayMs: 150 });
    const started = Date.now();
    const r = await pd.get('/abilities', { url: at('/abilities') });
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('down() resets connections until brought back', async () => {
    emu.down(true);
    await expect(pd.get('/abilities', { url: at('/abilities') })).rejects.toThrow();
    emu.down(false);
    expect((await pd.get('/abilities', { url: at('/abilities') })).status).toBe(200);
  });
});

describe('Events API v2 (plain fetch)', () => {
  const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
  const enqueue = (body: unknown, path = '/v2/enqueue') =>
    fetch(at(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const trigger = (dedupKey?: string) => ({
    routing_key: ROUTING_KEY,
    event_action: 'trigger',
    ...(dedupKey ? { dedup_key: dedupKey } : {}),
    payload: { summary: 'Checkout p99 above 2s', source: 'prometheus', severity: 'critical' },
  });

  it('triggers once per open dedup_key and resolves by dedup_key', async () => {
    const first = await enqueue(trigger('checkout-latency'));
    expect(first.status).toBe(202);
    const body = await first.json();
    expect(body).toEqual({
      status: 'success',
      message: 'Event processed',
      dedup_key: 'checkout-latency',
    });
    expect(keysAt(body)).toEqual(keysAt(await fixture('events-v2/enqueue.response.202.json')));
    expect(emu.incidents).toHaveLength(1);
    expect(emu.incidents[0]).toMatchObject({
      incident_key: 'checkout-latency',
      title: 'Checkout p99 above 2s',
      assignments: [{ assignee: { id: 'PALICE1' } }],
    });

    expect((await enqueue(trigger('checkout-latency'))).status).toBe(202);
    expect(emu.incidents).toHaveLength(1);
    expect(emu.events[1]).toMatchObject({ deduplicated: true, incidentId: emu.incidents[0]?.id });

    const resolve = await enqueue({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'checkout-latency',
    });
    expect(resolve.status).toBe(202);
    expect(emu.incidents[0]?.status).toBe('resolved');
    expect(emu.log.map((e) => [e.type, e.via])).toEqual([
      ['trigger', 'events'],
      ['resolve', 'events'],
    ]);
  });

  it('accepts the documented example request and generates a dedup_key when absent', async () => {
    const example = await readFile(
      join(PD_FIXTURES, 'events-v2/enqueue.request.trigger.json'),
      'utf8',
    );
    expect(await (await enqueue(example)).json()).toMatchObject({ dedup_key: 'srv01/mysql' });
    const generated = await (await enqueue(trigger())).json();
    expect(dig(generated, 'dedup_key')).toMatch(/^[0-9a-f]{32}$/);
    expect(emu.incidents).toHaveLength(2);
  });

  it('rejects invalid events with 400', async () => {
    const badJson = await enqueue('{not json');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual(await fixture('events-v2/enqueue.response.error.json'));

    const shortKey = await enqueue({ ...trigger('x'), routing_key: 'short' });
    expect(shortKey.status).toBe(400);
    expect(await shortKey.json()).toEqual({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    });

    const noSeverity = await enqueue({ ...trigger('x'), payload: { summary: 's', source: 'src' } });
    expect(noSeverity.status).toBe(400);
    expect(emu.incidents).toHaveLength(0);
  });

  it('accepts change events without creating incidents', async () => {
    const change = await readFile(
      join(PD_FIXTURES, 'events-v2/change-enqueue.request.build-change-event.json'),
      'utf8',
    );
    const r = await enqueue(change, '/v2/change/enqueue');
    expect(r.status).toBe(202);
    expect(emu.changeEvents).toHaveLength(1);
    expect(emu.incidents).toHaveLength(0);
  });
});

describe('v3 webhooks', () => {
  const SECRET = 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK';
  const EXPECTED = 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd';

  it('signs the go-pagerduty test vector byte for byte', async () => {
    const raw = await readFile(
      join(PD_FIXTURES, 'webhook-v3/signed.incident.priority_updated.raw-body.json'),
    );
    expect(signWebhook(raw, [SECRET])).toBe(EXPECTED);
    expect(signWebhook(raw.toString('utf8'), [SECRET])).toBe(EXPECTED);
    const rotated = signWebhook(raw, ['old-secret', SECRET]);
    expect(rotated.split(',')).toHaveLength(2);
    expect(rotated.split(',')[1]).toBe(EXPECTED);
    expect(verifySignature(raw.toString('utf8'), rotated, SECRET)).toBe(true);
    expect(signWebhook(raw, ['wrong'])).not.toBe(EXPECTED);
  });

  it('builds envelopes with the same keys as the captured deliveries', async () => {
    const created = emu.createIncident({ title: 'Test Incident', serviceId: 'PSVC001' });
    const acked = emu.updateIncident(created.id, { status: 'acknowledged' }, 'PALICE1');
    const agent = emu.incident(created.id)?.acknowledgements[0]?.acknowledger ?? null;
    const envelope = buildWebhookEvent('incident.acknowledged', acked, agent);
    const sample = await fixture('webhook-v3/incident.acknowledged.zulip.json');

    for (const path of [
      ['event'],
      ['event', 'agent'],
      ['event', 'data'],
      ['event', 'data', 'service'],
      ['event', 'data', 'assignees', 0],
      ['event', 'data', 'escalation_policy'],
    ]) {
      expect(keysAt(envelope, ...path), path.join('.')).toEqual(keysAt(sample, ...path));
    }
    expect(envelope.event).toMatchObject({
      event_type: 'incident.acknowledged',
      resource_type: 'incident',
      client: null,
      agent: { id: 'PALICE1', type: 'user_reference' },
      data: { id: created.id, status: 'acknowledged', number: created.incident_number },
    });
    expect(envelope.event.id).toMatch(/^[0-9A-Z]{26}$/);

    const prioritised = emu.updateIncident(created.id, { priorityId: 'PPRIO01' });
    const withPriority = buildWebhookEvent('incident.priority_updated', prioritised, null);
    const docs = await fixture('webhook-v3/docs.incident.priority_updated.json');
    expect(keysAt(withPriority, 'event', 'data', 'priority').sort()).toEqual(
      keysAt(docs, 'event', 'data', 'priority').sort(),
    );

    const extended = buildWebhookEvent('incident.escalated', prioritised, null, { extended: true });
    const escalated = await fixture('webhook-v3/incident.escalated.zulip.json');
    expect(keysAt(extended, 'event', 'data').sort()).toEqual(
      keysAt(escalated, 'event', 'data').sort(),
    );

    const service = await pd.get('/services/PSVC001', { url: at('/services/PSVC001') });
    const serviceEvent = buildWebhookEvent('service.updated', service.data.service);
    const serviceDocs = await fixture('webhook-v3/docs.service.updated.json');
    expect(keysAt(serviceEvent, 'event', 'data')).toEqual(keysAt(serviceDocs, 'event', 'data'));
    expect(serviceEvent.event.resource_type).toBe('service');

    const annotated = buildWebhookEvent('incident.annotated', acked, agent, {
      note: { id: 'PN00001', content: 'hi' },
    });
    expect(annotated.event.data).toMatchObject({
      type: 'incident_note',
      incident: { id: created.id },
    });

    const types: WebhookEventType[] = [
      'incident.triggered',
      'incident.unacknowledged',
      'incident.reassigned',
      'incident.resolved',
    ];
    for (const type of types) expect(buildWebhookEvent(type, acked).event.event_type).toBe(type);
  });

  it('delivers with PagerDuty headers and keeps X-Webhook-Id on redelivery', async () => {
    const sink = await startSink();
    try {
      const envelope = buildWebhookEvent(
        'incident.triggered',
        emu.createIncident({ title: 't', serviceId: 'PSVC001' }),
      );
      const first = await deliverWebhook(sink.url, envelope, {
        secrets: ['s3cret'],
        subscriptionId: 'PSUB123',
      });
      expect(first).toMatchObject({ status: 202, body: '{"ok":true}' });
      await deliverWebhook(sink.url, envelope, { secrets: ['s3cret'], webhookId: first.webhookId });

      const [a, b] = sink.received;
      expect(a?.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'PagerDuty-Webhook/V3.0',
        'x-webhook-id': first.webhookId,
        'x-webhook-subscription': 'PSUB123',
      });
      expect(a?.body).toBe(JSON.stringify(envelope));
      expect(
        verifySignature(a?.body ?? '', a?.headers['x-pagerduty-signature'] as string, 's3cret'),
      ).toBe(true);
      expect(b?.headers['x-webhook-id']).toBe(first.webhookId);
    } finally {
      await sink.close();
    }
  });

  it('auto-mode emits signed webhooks for REST changes and retries 5xx', async () => {
    const sink = await startSink([500]);
    const live = await startPagerDutyEmulator({
      webhookTarget: { url: sink.url, secrets: ['auto-secret'], retries: 2, retryDelayMs: 5 },
    });
    try {
      const created = await pd.post('/incidents', {
        url: `${live.url}/incidents`,
        data: incidentBody(),
        headers: FROM,
      });
      const id: string = created.data.incident.id;
      await pd.put(`/incidents/${id}`, {
        url: `${live.url}/incidents/${id}`,
        data: { incident: { type: 'incident_reference', status: 'acknowledged' } },
        headers: FROM,
      });
      await live.flushWebhooks();

      const events = sink.received.map((r) => JSON.parse(r.body).event.event_type);
      expect(events).toEqual(['incident.triggered', 'incident.triggered', 'incident.acknowledged']);
      const [failed, retried, acked] = sink.received;
      expect(retried?.headers['x-webhook-id']).toBe(failed?.headers['x-webhook-id']);
      for (const r of sink.received) {
        expect(
          verifySignature(r.body, r.headers['x-pagerduty-signature'] as string, 'auto-secret'),
        ).toBe(true);
      }
      expect(JSON.parse(acked?.body ?? '{}').event.agent.id).toBe('PALICE1');
      expect(live.webhookDeliveries.map((d) => d.attempts.map((x) => x.status))).toEqual([
        [500, 202],
        [202],
      ]);
    } finally {
      await live.close();
      await sink.close();
    }
  });
});
