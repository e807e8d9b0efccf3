import { afterAll, beforeAll, expect, test } from 'vitest';
import { ALERT_BODY_LIMIT } from '../../src/http/alerts.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import {
  eventually,
  INGEST_TOKEN,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { signSlackRequest } from '../support/slack-requests.js';

let bot: TestApp;
beforeAll(async () => {
  bot = await startTestApp();
});
afterAll(async () => bot.stop());

const alert = { dedupeKey: 'k', title: 'Disk full', service: 'db' };

test.each([
  ['no Authorization header', {}],
  ['a wrong bearer token', { authorization: 'Bearer wrong-token-wrong-token' }],
  ['an unknown scheme', { authorization: `Token ${INGEST_TOKEN}` }],
])('%s → 401 and nothing stored', async (_name, headers) => {
  const res = await fetch(`${bot.base}/webhooks/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(alert),
  });
  expect(res.status).toBe(401);
  expect(await bot.app.store.read((tx) => listIncidentRows(tx))).toHaveLength(0);
});

test('basic auth with the token as password is accepted (Alertmanager basic_auth)', async () => {
  const basic = Buffer.from(`alertmanager:${INGEST_TOKEN}`).toString('base64');
  const res = await bot.post(
    '/webhooks/alerts',
    { ...alert, dedupeKey: 'basic' },
    { authorization: `Basic ${basic}` },
  );
  expect(res.status).toBe(202);
});

test.each([
  ['malformed JSON', '{"dedupeKey": ', /malformed JSON/],
  ['an empty body', '', /empty body/],
  ['the wrong shape', JSON.stringify({ title: 5 }), /invalid body/],
  [
    'an Alertmanager body without alerts',
    JSON.stringify({ groupKey: 'g', status: 'firing', alerts: [] }),
    /invalid body/,
  ],
])('%s → 400 with the problems listed', async (_name, body, message) => {
  const path = body.includes('groupKey') ? '/webhooks/alertmanager' : '/webhooks/alerts';
  const res = await bot.post(path, body);
  expect(res.status).toBe(400);
  const json = (await res.json()) as {
    error: string;
    problems?: { path: string; message: string }[];
  };
  expect(json.error).toMatch(message);
  if (json.error === 'invalid body') expect(json.problems?.length).toBeGreaterThan(0);
});

test('the problems name the fields', async () => {
  const res = await bot.post('/webhooks/alerts', { title: 'no key', url: 'nope' });
  const json = (await res.json()) as { problems: { path: string }[] };
  expect(json.problems.map((p) => p.path).sort()).toEqual(['dedupeKey', 'url']);
});

test('a body over the alert limit (16 MiB) → 413, declared or streamed', async () => {
  const big = JSON.stringify({ ...alert, description: 'x'.repeat(ALERT_BODY_LIMIT) });
  expect((await bot.post('/webhooks/alerts', big)).status).toBe(413);
  // Chunked, no content-length: the limit still holds while streaming.
  const stream = new ReadableStream({
    start(controller) {
      const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
      for (let i = 0; i <= ALERT_BODY_LIMIT / chunk.length; i++) controller.enqueue(chunk);
      controller.close();
    },
  });
  const res = await fetch(`${bot.base}/webhooks/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  expect(res.status).toBe(413);
});

test('unknown paths are 404 and wrong methods 405, as JSON', async () => {
  expect((await bot.get('/nope')).status).toBe(404);
  expect((await bot.get('/webhooks/alerts')).status).toBe(405);
});

test('health: /healthz answers, /readyz reports the database and migrations', async () => {
  expect(await (await bot.get('/healthz')).json()).toEqual({ ok: true });
  const ready = await bot.get('/readyz');
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ ready: true, db: true, draining: false });
});

test('Grafana and generic alerts open incidents too, and the bot stays healthy after bad input', async () => {
  expect(
    (
      await bot.post(
        '/webhooks/grafana',
        fixture('grafana/grafana-docs.webhook-notifier.example.json'),
      )
    ).status,
  ).toBe(202);
  expect(
    (
      await bot.post('/webhooks/alerts', {
        alerts: [{ dedupeKey: 'g1', title: 'Queue backlog', group: 'q' }],
      })
    ).status,
  ).toBe(202);
  await eventually(() => bot.slack.channelByName('inc-2-this-alert-was-triggered-for-zone-us-1'));
  expect((await bot.get('/healthz')).status).toBe(200);
});

test('Slack requests: unsigned → 401, stale (more than 5 minutes old) → 401, signed → handled', async () => {
  const body =
    'token=x&command=%2Fincident&text=help&user_id=U1&channel_id=C1&team_id=T1&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fr&trigger_id=1.2.3';
  const post = (headers: Record<string, string> | ReturnType<typeof signSlackRequest>) =>
    fetch(`${bot.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
  expect((await post({})).status).toBe(401);
  expect((await post(signSlackRequest('wrong-secret', body))).status).toBe(401);
  const stale = Math.floor(Date.now() / 1000) - 6 * 60;
  expect((await post(signSlackRequest(SIGNING_SECRET, body, stale))).status).toBe(401);
});
