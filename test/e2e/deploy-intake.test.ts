import { createHmac } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { allDeploys } from '../../src/store/deploys.js';
import { list } from '../../src/timeline/timeline.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { deployCommand, postDeploy, responseText } from '../support/deploys.js';
import { fixtureText } from '../support/fixtures.js';

const GITHUB_SECRET = "It's a Secret to Everybody";
const DEPLOYER = 'U0DEPLOYER';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = `
permissions:
  deployers: [${DEPLOYER}]
services:
  hello:
    aliases: [Codertocat/Hello-World]
  checkout:
    aliases: [checkout-prod]
`;

const sign = (body: string, secret = GITHUB_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function github(b: TestApp, body: string, headers: Record<string, string>) {
  return fetch(`${b.base}/webhooks/github`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

test("GitHub's documented test vector verifies, so our HMAC is GitHub's", () => {
  expect(sign('Hello, World!')).toBe(
    'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  );
});

test('GitHub deployment_status: verified on the raw body, deduped by delivery id, aliases mapped', async () => {
  bot = await startTestApp({ configYaml: CONFIG, env: { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET } });
  const body = fixtureText('github/deployment_status/payload.json');
  const headers = {
    'x-github-event': 'deployment_status',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': sign(body),
  };
  const first = await github(bot, body, headers);
  expect(first.status).toBe(202);
  expect(await first.json()).toMatchObject({
    accepted: true,
    service: 'hello',
    serviceKnown: true,
    status: 'succeeded',
  });
  const again = await github(bot, body, headers);
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ duplicate: true });
  expect(await bot.app.store.read((tx) => allDeploys(tx))).toHaveLength(1);

  // Wrong signature, a signature for another body, none at all: 401, nothing stored.
  for (const signature of [sign(body, 'wrong secret'), sign(`${body} `), '']) {
    const res = await github(bot, body, {
      ...headers,
      'x-github-delivery': 'other',
      'x-hub-signature-256': signature,
    });
    expect(res.status).toBe(401);
  }
  // A ping is answered; other events are acknowledged and ignored.
  const ping = fixtureText('github/ping/payload.json');
  expect(
    (await github(bot, ping, { 'x-github-event': 'ping', 'x-hub-signature-256': sign(ping) }))
      .status,
  ).toBe(200);
  const push = fixtureText('github/push/payload.json');
  const pushed = await github(bot, push, {
    'x-github-event': 'push',
    'x-hub-signature-256': sign(push),
  });
  expect(pushed.status).toBe(202);
  expect(await pushed.json()).toEqual({ ignored: true, event: 'push' });
  expect(await bot.app.store.read((tx) => allDeploys(tx))).toHaveLength(1);
});

test('without GITHUB_WEBHOOK_SECRET the GitHub route is off', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const res = await github(bot, '{}', { 'x-github-event': 'ping' });
  expect(res.status).toBe(404);
});

test('unknown services are accepted and kept as unmapped, never a 5xx; bad bodies are a 400 naming the field', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const res = await postDeploy(bot, {
    id: 'x-1',
    service: 'Billing-Worker',
    version: 'v9',
    minutesAgo: 1,
  });
  expect(res.status).toBe(202);
  expect(await res.json()).toMatchObject({
    serviceKnown: false,
    service: 'billing-worker',
    note: expect.stringContaining('unmapped'),
  });
  const bad = await bot.post('/webhooks/deploys', {
    id: 'x-2',
    service: 'checkout',
    status: 'done',
  });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(await bad.json())).toContain('environment');
  expect((await bot.post('/webhooks/deploys', 'not json')).status).toBe(400);
  expect(
    (await bot.post('/webhooks/deploys', {}, { authorization: 'Bearer wrong-token-0123456789' }))
      .status,
  ).toBe(401);

  await deployCommand(bot, { user: 'U0ANYONE', channel: 'C0OPS', text: 'list', responseId: 'l' });
  await eventually(() => responseText(bot as TestApp, 'l').includes('billing-worker'));
  expect(responseText(bot, 'l')).toContain('unmapped service');
});

test('Argo CD notifications (bearer) become deploys; the Running → Succeeded of one sync is one deploy', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const note = (phase: string) => ({
    app: 'checkout-prod',
    appNamespace: 'argocd',
    destination: { namespace: 'checkout' },
    operationState: {
      phase,
      startedAt: '2026-11-22T10:00:00Z',
      finishedAt: phase === 'Running' ? null : '2026-11-22T10:01:00Z',
      syncResult: { revision: 'f3937462080c6946ff5ec4b5fa393e7c22388e4c' },
      operation: { initiatedBy: { username: 'dana' } },
    },
    history:
      phase === 'Succeeded'
        ? [{ id: 12, revision: 'f3937462080c6946ff5ec4b5fa393e7c22388e4c' }]
        : [],
    environment: 'production',
  });
  expect((await bot.post('/webhooks/argocd', note('Running'))).status).toBe(202);
  const done = await bot.post('/webhooks/argocd', note('Succeeded'));
  expect(await done.json()).toMatchObject({
    service: 'checkout',
    serviceKnown: true,
    status: 'succeeded',
  });
  const rows = await bot.app.store.read((tx) => allDeploys(tx));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ environment: 'production', rollbackHandle: { historyId: '12' } });
  // A late "Running" never undoes a final status.
  await bot.post('/webhooks/argocd', note('Running'));
  expect((await bot.app.store.read((tx) => allDeploys(tx)))[0]?.status).toBe('succeeded');
  expect((await bot.post('/webhooks/argocd', note('Running'), { authorization: '' })).status).toBe(
    401,
  );
});

test('a redelivered deploy (same id, same status) answers 200 {"duplicate":true} and changes nothing', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const deploy = { id: 'redelivered-1', version: 'v5', minutesAgo: 1 };
  const first = await postDeploy(bot, deploy);
  expect(first.status).toBe(202);
  const before = await bot.app.store.read((tx) => allDeploys(tx));
  const again = await postDeploy(bot, deploy);
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ duplicate: true });
  expect(await bot.app.store.read((tx) => allDeploys(tx))).toEqual(before);
  // A new status of the same deploy is news, not a redelivery.
  const failed = await postDeploy(bot, { ...deploy, status: 'failed' });
  expect(failed.status).toBe(202);
  expect(await failed.json()).toMatchObject({ status: 'failed' });

  const argo = {
    app: 'checkout-prod',
    operationState: {
      phase: 'Succeeded',
      startedAt: '2026-11-22T11:00:00Z',
      finishedAt: '2026-11-22T11:01:00Z',
      syncResult: { revision: 'a3937462080c6946ff5ec4b5fa393e7c22388e4c' },
    },
    environment: 'production',
  };
  expect((await bot.post('/webhooks/argocd', argo)).status).toBe(202);
  const argoAgain = await bot.post('/webhooks/argocd', argo);
  expect(argoAgain.status).toBe(200);
  expect(await argoAgain.json()).toEqual({ duplicate: true });
});

test('a deploy to a service with an open incident goes into its timeline and channel, loudly during a freeze', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'k',
    title: 'Checkout down',
    service: 'checkout',
  });
  const channel = await eventually(() => bot?.slack.channelByName('inc-1-checkout-down'));
  await postDeploy(bot, { id: 'fix-1', version: 'v3', minutesAgo: 0, actor: 'ana' });
  const seen = await eventually(() =>
    bot?.slack.messages(channel.id).find((m) => m.text.includes('v3')),
  );
  expect(seen.text).toMatch(/Deployed \*v3\* to \*checkout\* in \*production\* by ana/);
  expect(seen.text).not.toContain('freeze');

  await deployCommand(bot, {
    user: DEPLOYER,
    channel: channel.id,
    text: 'freeze',
    responseId: 'f',
  });
  await eventually(() => responseText(bot as TestApp, 'f').includes('Freeze #1'));
  await postDeploy(bot, { id: 'sneaky-1', version: 'v4', minutesAgo: 0, actor: 'mallory' });
  const loud = await eventually(() =>
    bot?.slack.messages(channel.id).find((m) => m.text.includes('v4')),
  );
  expect(loud.text).toContain('🚨 Deploy during a freeze');
  expect(JSON.stringify(loud.blocks)).toContain('<!here>');
  const kinds = (await bot.app.store.read((tx) => list(tx, 1))).filter(
    (e) => e.kind === 'deploy_seen',
  );
  expect(kinds.map((e) => e.payload.version)).toEqual(['v3', 'v4']);
  expect(kinds[1]?.payload.duringFreeze).toEqual([1]);
});
