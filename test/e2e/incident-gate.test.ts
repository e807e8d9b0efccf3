import fc from 'fast-check';
import { afterEach, expect, test } from 'vitest';
import { FIX_PASS_SOURCE } from '../../src/deploy/incident-gate.js';
import { listDeliveries } from '../../src/store/deliveries.js';
import { API_TOKEN, eventually, startTestApp, type TestApp } from '../support/app.js';

// deploys.gateBlocksOnIncident through the real routes: incidents opened by alerts over HTTP,
// the gate and the analysis gate asked over HTTP, the fix pass posted to the Slack emulator.

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = (extra = '') => `
incidents:
  autoResolve: true
services:
  checkout:
    aliases: [checkout-api]
    environments: { production: {}, staging: {} }
  search:
    environments: { production: {} }
deploys:
  gateBlocksOnIncident: sev2
${extra}`;

const alert = (over: Record<string, unknown>) => ({
  dedupeKey: 'checkout-5xx',
  status: 'firing',
  title: 'Checkout 5xx above 5%',
  service: 'checkout',
  environment: 'production',
  severity: 'warning',
  ...over,
});

async function send(b: TestApp, body: Record<string, unknown>) {
  expect((await b.post('/webhooks/alerts', body)).status).toBe(202);
  await b.app.inbox.drain(5000);
}

async function ask(b: TestApp, path: string, headers?: Record<string, string>) {
  const res = await b.get(path, headers);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, res };
}
const deployGate = (b: TestApp, query: string) => ask(b, `/api/v1/gates/deploy?${query}`);
const analysis = (b: TestApp, query: string) => ask(b, `/api/v1/gates/analysis?${query}`);
// A fix pass is a write (timeline, channel): CI presents the API token even with an open gate.
const CI = { authorization: `Bearer ${API_TOKEN}` };
const fixGate = (b: TestApp, query: string) => ask(b, `/api/v1/gates/deploy?${query}`, CI);
const fixAnalysis = (b: TestApp, query: string) => ask(b, `/api/v1/gates/analysis?${query}`, CI);
const CHECKOUT = 'service=checkout&environment=production';

const channelOf = (b: TestApp, id: number) =>
  (
    b.app.sqlite.prepare('SELECT channel_id FROM incidents WHERE id = ?').get(id) as {
      channel_id: string | null;
    }
  ).channel_id;

const passes = (b: TestApp, incident: number) =>
  b.app.sqlite
    .prepare("SELECT payload FROM timeline_events WHERE stream = ? AND kind = 'gate_fix_pass'")
    .all(`incident:${incident}`) as { payload: string }[];

test('a sev3 does not block; raised to sev1 it does (423 naming it), only on its service and environment, until it resolves', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await send(bot, alert({}));
  expect((await deployGate(bot, CHECKOUT)).status).toBe(200);
  expect((await analysis(bot, CHECKOUT)).status).toBe(200);

  // A second, critical alert joins INC-1 and raises it to sev1.
  await send(
    bot,
    alert({ dedupeKey: 'checkout-down', title: 'Checkout down', severity: 'critical' }),
  );
  const blocked = await eventually(async () => {
    const answer = await deployGate(bot as TestApp, 'service=checkout-api&environment=production');
    return answer.status === 423 && answer;
  });
  expect(blocked.res.headers.get('retry-after')).toBe('60');
  expect(blocked.body).toMatchObject({
    allowed: false,
    service: 'checkout',
    environment: 'production',
    reason: 'INC-1 (sev1) is open: Checkout 5xx above 5%',
    freezes: [],
    incidents: [{ incident: 'INC-1', number: 1, severity: 'sev1', state: 'triage' }],
  });

  // The analysis gate gives the same verdict, and with answer=json keeps it in a 200.
  const canary = await analysis(bot, CHECKOUT);
  expect(canary.status).toBe(423);
  expect(canary.body).toMatchObject({ allowed: false, reason: blocked.body.reason });
  const asJson = await analysis(bot, `${CHECKOUT}&answer=json`);
  expect(asJson.status).toBe(200);
  expect(asJson.body).toMatchObject({ allowed: false, reason: blocked.body.reason });
  expect((await analysis(bot, `${CHECKOUT}&answer=yes`)).status).toBe(400);

  // Other services and environments are unaffected.
  expect((await deployGate(bot, 'service=search&environment=production')).status).toBe(200);
  expect((await deployGate(bot, 'service=checkout&environment=staging')).status).toBe(200);
  expect((await analysis(bot, 'service=search&environment=production')).status).toBe(200);

  // Both alerts resolve; autoResolve resolves INC-1; both gates open again.
  await send(bot, alert({ status: 'resolved' }));
  await send(
    bot,
    alert({ dedupeKey: 'checkout-down', title: 'Checkout down', status: 'resolved' }),
  );
  await eventually(async () => (await deployGate(bot as TestApp, CHECKOUT)).status === 200);
  expect((await analysis(bot, CHECKOUT)).status).toBe(200);
});

test('an incident title cannot smuggle control characters into the answer', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await send(bot, alert({ title: 'Bad\u0007 title\nwith <!channel> & more', severity: 'error' }));
  const { status, body } = await deployGate(bot, CHECKOUT);
  expect(status).toBe(423);
  expect(body.reason).toBe('INC-1 (sev2) is open: Bad title with <!channel> & more');
});

test('fix=INC-n passes the deploy that is the fix, posted in the channel and on the timeline once per deploy id', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await send(bot, alert({ severity: 'error' }));
  const channel = await eventually(() => channelOf(bot as TestApp, 1));
  expect((await deployGate(bot, CHECKOUT)).status).toBe(423);

  // CI retries, some of them at the same time: one pass.
  const query = `${CHECKOUT}&fix=INC-1&deploy=v42.1`;
  const answers = await Promise.all([1, 2, 3].map(() => fixGate(bot as TestApp, query)));
  answers.push(await fixGate(bot, query));
  // Argo measuring the same deploy again is the same pass too.
  answers.push(await fixAnalysis(bot, `${query}&answer=json`));
  for (const a of answers) {
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      allowed: true,
      incidents: [],
      fix: { incident: 'INC-1', granted: true, reason: null },
    });
  }
  await bot.settle();
  const posted = () =>
    (bot as TestApp).slack
      .messages(channel)
      .filter((m) => m.text.includes('passed the incident gate'));
  expect(posted().map((m) => m.text)).toEqual([
    '🚦 A deploy `v42.1` of checkout (production) passed the incident gate as the fix for INC-1.',
  ]);
  expect(passes(bot, 1).map((p) => JSON.parse(p.payload))).toEqual([
    { service: 'checkout', environment: 'production', deploy: 'v42.1' },
  ]);

  // Another deploy is another pass; `fix=1` is the same incident as `fix=INC-1`.
  expect((await fixGate(bot, `${CHECKOUT}&fix=1&deploy=v42.2`)).status).toBe(200);
  await bot.settle();
  expect(posted()).toHaveLength(2);
  expect(passes(bot, 1)).toHaveLength(2);
  expect(await bot.app.store.read((tx) => listDeliveries(tx, FIX_PASS_SOURCE))).toHaveLength(2);

  // Without fix= it is still blocked.
  expect((await deployGate(bot, CHECKOUT)).status).toBe(423);

  // Both passes are in the postmortem's timeline.
  const postmortem = await (
    await bot.get('/api/v1/incidents/1/postmortem', { authorization: `Bearer ${API_TOKEN}` })
  ).text();
  expect(postmortem).toContain(
    'Fix deploy of checkout (production) v42.1 passed the incident gate',
  );
  expect(postmortem).toContain(
    'Fix deploy of checkout (production) v42.2 passed the incident gate',
  );
});

test('fix= without the API token is refused and records nothing, even with the gate open', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await send(bot, alert({ severity: 'error' }));
  const channel = await eventually(() => channelOf(bot as TestApp, 1));
  for (let i = 0; i < 5; i++) {
    const query = `${CHECKOUT}&fix=INC-1&deploy=spam-${i}`;
    expect((await deployGate(bot, query)).status).toBe(401);
    expect((await analysis(bot, query)).status).toBe(401);
  }
  // The answers themselves stay open.
  expect((await deployGate(bot, CHECKOUT)).status).toBe(423);
  await bot.settle();
  expect(passes(bot, 1)).toHaveLength(0);
  expect(
    bot.slack.messages(channel).filter((m) => m.text.includes('passed the incident gate')),
  ).toEqual([]);
});

test('fix= naming an unknown, resolved or non-blocking incident grants nothing; a malformed one is a 400', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await send(bot, alert({ severity: 'error' }));
  await send(bot, alert({ dedupeKey: 'search-slow', title: 'Search slow', service: 'search' }));

  const unknown = await fixGate(bot, `${CHECKOUT}&fix=INC-99`);
  expect(unknown.status).toBe(423);
  expect(unknown.body.fix).toEqual({
    incident: 'INC-99',
    granted: false,
    reason: 'INC-99 does not exist',
  });
  const other = await fixGate(bot, `${CHECKOUT}&fix=INC-2`);
  expect(other.status).toBe(423);
  expect(other.body.fix).toMatchObject({
    granted: false,
    reason: 'INC-2 does not block this deploy',
  });
  // Not blocked at all: the answer stays 200, the fix is just not needed.
  const search = await fixGate(bot, 'service=search&environment=production&fix=INC-2');
  expect(search.status).toBe(200);
  expect(search.body.fix).toMatchObject({ granted: false });

  for (const bad of ['fix=banana', 'fix=INC-0', 'fix=INC-1&deploy=has%20space'])
    expect((await deployGate(bot, `${CHECKOUT}&${bad}`)).status).toBe(400);
  // An empty fix= (an unset template argument) is no fix at all.
  expect((await deployGate(bot, `${CHECKOUT}&fix=&deploy=`)).status).toBe(423);

  await send(bot, alert({ status: 'resolved' }));
  await eventually(async () => (await deployGate(bot as TestApp, CHECKOUT)).status === 200);
  const resolved = await fixGate(bot, `${CHECKOUT}&fix=INC-1`);
  expect(resolved.body.fix).toMatchObject({ granted: false, reason: 'INC-1 is resolved' });
  await bot.settle();
  expect(passes(bot, 1)).toHaveLength(0);
});

test('off by default: incidents never block, and the analysis gate answers 200', async () => {
  bot = await startTestApp({
    configYaml: CONFIG().replace('deploys:\n  gateBlocksOnIncident: sev2\n', ''),
  });
  await send(bot, alert({ severity: 'critical' }));
  const gate = await deployGate(bot, CHECKOUT);
  expect(gate.status).toBe(200);
  // The answer keeps its old shape when the feature is off.
  expect(gate.body).toEqual({ allowed: true, service: 'checkout', environment: 'production' });
  expect((await analysis(bot, CHECKOUT)).status).toBe(200);
});

test('the analysis gate follows deploys.gateAuth; Flagger may put the token in metadata.token', async () => {
  bot = await startTestApp({ configYaml: CONFIG('  gateAuth: token\n') });
  expect((await analysis(bot, CHECKOUT)).status).toBe(401);
  expect(
    (await bot.get(`/api/v1/gates/analysis?${CHECKOUT}`, { authorization: `Bearer ${API_TOKEN}` }))
      .status,
  ).toBe(200);
  const flagger = (token: string) =>
    fetch(`${bot?.base}/api/v1/gates/analysis?${CHECKOUT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'checkout',
        namespace: 'shop',
        phase: 'Progressing',
        metadata: { token },
      }),
    });
  expect((await flagger(API_TOKEN)).status).toBe(200);
  expect((await flagger('wrong-token-wrong-token')).status).toBe(401);
  const notJson = await fetch(`${bot.base}/api/v1/gates/analysis?${CHECKOUT}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}` },
    body: '[1,2',
  });
  expect(notJson.status).toBe(400);
});

test('random fix=, deploy=, answer= and bodies on both gates never get a 5xx', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await send(bot, alert({ severity: 'critical' }));
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer().map(String),
    fc.constantFrom('INC-1', '1', 'INC-', 'inc-1', 'INC-99999999999', 'json', ''),
  );
  const queries = fc.dictionary(
    fc.constantFrom('service', 'environment', 'fix', 'deploy', 'answer'),
    value,
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/api/v1/gates/deploy', '/api/v1/gates/analysis'),
      queries,
      fc.option(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 200 }),
        ),
      ),
      async (path, query, body) => {
        const post = body !== null && path.endsWith('analysis');
        const res = await fetch(`${bot?.base}${path}?${new URLSearchParams(query)}`, {
          method: post ? 'POST' : 'GET',
          ...(post ? { body, headers: { 'content-type': 'application/json' } } : {}),
        });
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
      },
    ),
    { numRuns: 150 },
  );
}, 60_000);
