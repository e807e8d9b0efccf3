import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { apiRoutes } from '../../src/http/api.js';
import { createHttpHandler } from '../../src/http/server.js';
import { testDb } from '../support/db.js';
import { coreServices } from '../support/incidents.js';

const TOKEN = 'api-token-0123456789abcdef';
let server: Server | undefined;
let close: (() => void) | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  close?.();
});

async function start(apiToken: string | null = TOKEN) {
  const opened = testDb();
  close = opened.close;
  const clock = { now: new Date('2026-11-20T10:00:00Z') };
  const { incidents } = coreServices(opened.store, clock);
  const ana = { id: 'U0ANA0001', source: 'slack' };
  await incidents.declare({ title: 'Old one', severity: 'sev3', services: ['checkout'] }, ana);
  await incidents.resolve(1, 'fixed', ana);
  clock.now = new Date('2026-11-22T10:00:00Z');
  await incidents.declare(
    { title: 'Checkout 500s', severity: 'sev1', services: ['checkout-api'] },
    ana,
  );
  await incidents.note(2, 'look at the pool', ana);
  const handler = createHttpHandler({
    routes: apiRoutes({
      store: opened.store,
      now: () => clock.now,
      apiToken: apiToken ?? undefined,
    }),
    log: pino({ level: 'silent' }),
    isDraining: () => false,
  });
  server = createServer(handler.listener);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (path: string, token: string | null = TOKEN) =>
    fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

test('lists incidents newest first, in camelCase with ISO 8601 UTC times, filtered by state and since', async () => {
  const get = await start();
  const res = await get('/api/v1/incidents');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { incidents: Record<string, unknown>[] };
  expect(body.incidents.map((i) => i.number)).toEqual([2, 1]);
  expect(body.incidents[0]).toMatchObject({
    number: 2,
    ref: 'INC-2',
    title: 'Checkout 500s',
    severity: 'sev1',
    state: 'investigating',
    owner: 'U0ANA0001',
    services: ['checkout'],
    declaredAt: '2026-11-22T10:00:00.000Z',
    acknowledgedAt: '2026-11-22T10:00:00.000Z',
    resolvedAt: null,
  });
  const open = (await (await get('/api/v1/incidents?state=open')).json()) as typeof body;
  expect(open.incidents.map((i) => i.number)).toEqual([2]);
  const resolved = (await (await get('/api/v1/incidents?state=resolved')).json()) as typeof body;
  expect(resolved.incidents.map((i) => i.number)).toEqual([1]);
  const since = (await (await get('/api/v1/incidents?since=2026-11-21')).json()) as typeof body;
  expect(since.incidents.map((i) => i.number)).toEqual([2]);
  expect((await get('/api/v1/incidents?state=sideways')).status).toBe(400);
  expect((await get('/api/v1/incidents?since=yesterday')).status).toBe(400);
});

test('one incident, its timeline (paged, with hashes) and its postmortem as text/markdown', async () => {
  const get = await start();
  const one = await get('/api/v1/incidents/INC-2');
  expect(one.status).toBe(200);
  expect(await one.json()).toMatchObject({
    number: 2,
    alerts: { firing: 0 },
    followups: [],
    deploys: [],
  });

  const timeline = (await (await get('/api/v1/incidents/2/timeline?limit=1')).json()) as {
    events: { seq: number; kind: string; at: string; hash: string }[];
    nextAfter: number | null;
  };
  expect(timeline.events).toEqual([
    expect.objectContaining({ seq: 1, kind: 'incident_declared', at: '2026-11-22T10:00:00.000Z' }),
  ]);
  expect(timeline.events[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(timeline.nextAfter).toBe(1);
  const rest = (await (
    await get('/api/v1/incidents/2/timeline?after=1')
  ).json()) as typeof timeline;
  expect(rest.events.map((e) => e.kind)).toEqual(['note']);
  expect(rest.nextAfter).toBeNull();

  const postmortem = await get('/api/v1/incidents/2/postmortem');
  expect(postmortem.status).toBe(200);
  expect(postmortem.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
  const text = await postmortem.text();
  expect(text).toMatch(/^# INC-2: Checkout 500s\n/);
  expect(text).toContain('look at the pool');
});

test('unknown incidents are 404 on every route', async () => {
  const get = await start();
  for (const path of [
    '/api/v1/incidents/99',
    '/api/v1/incidents/99/timeline',
    '/api/v1/incidents/99/postmortem',
    '/api/v1/incidents/abc',
  ]) {
    const res = await get(path);
    expect(res.status, path).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/no incident/i);
  }
});

test('a missing or wrong token is 401; without API_TOKEN the API is closed and says so', async () => {
  const get = await start();
  expect((await get('/api/v1/incidents', null)).status).toBe(401);
  expect((await get('/api/v1/incidents', 'wrong-token-0123456789')).status).toBe(401);
  await new Promise<void>((r) => server?.close(() => r()));
  close?.();

  const closed = await start(null);
  const res = await closed('/api/v1/incidents/2/postmortem');
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({
    error: 'API_TOKEN is not configured, so this route accepts nothing',
  });
});
