import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { allRollbacks } from '../../src/store/rollbacks.js';
import { list, verify } from '../../src/timeline/timeline.js';
import {
  type RollbackReceiver,
  startRollbackReceiver,
} from '../emulators/deploy/rollback-receiver.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import {
  buttons,
  click,
  deployCommand,
  type FoundButton,
  postDeploy,
  responseText,
} from '../support/deploys.js';

const SECRET = 'receiver-secret-0123456789';
const DEPLOYER = 'U0DEPLOYER';
const DEPLOYER2 = 'U0DEPLOY02';
const OWNER = 'U0OWNER001';
const STRANGER = 'U0STRANGER';
const FAKE_DEPLOYER = join(import.meta.dirname, '../support/bin/fake-deployer.mjs');

let bot: TestApp | undefined;
let receiver: RollbackReceiver | undefined;
afterEach(async () => {
  await bot?.stop();
  await receiver?.close();
  bot = undefined;
  receiver = undefined;
});

const webhookConfig = (url: string, extra = '') => `
permissions:
  deployers: [${DEPLOYER}, ${DEPLOYER2}]
services:
  checkout:
    aliases: [checkout-api]
    owners: [${OWNER}]
    environments:
      production:
        rollback: { backend: webhook, url: "${url}/rollback", secret: "${SECRET}"${extra} }
`;

/** v1 an hour ago, v2 six minutes ago, then an alert: the incident channel with its card. */
async function deployTwiceThenAlert(b: TestApp) {
  expect((await postDeploy(b, { id: 'd-1', version: 'v1', minutesAgo: 60 })).status).toBe(202);
  expect(
    (await postDeploy(b, { id: 'd-2', version: 'v2', minutesAgo: 6, actor: 'ana' })).status,
  ).toBe(202);
  const alert = await b.post('/webhooks/alerts', {
    dedupeKey: 'checkout-5xx',
    title: 'High 5xx on checkout',
    service: 'checkout-api',
    environment: 'production',
    severity: 'critical',
  });
  expect(alert.status).toBe(202);
  const channel = await eventually(() => b.slack.channelByName('inc-1-high-5xx-on-checkout'));
  const card = await eventually(() => b.slack.pinnedMessages(channel.id)[0]);
  return { channelId: channel.id, card };
}

const rollbackButtonOf = (blocks: unknown): FoundButton => {
  const button = buttons(blocks).find((b) => b.action_id === 'deploy_rollback');
  if (!button) throw new Error(`no Roll back button in ${JSON.stringify(blocks)}`);
  return button;
};

const channelText = (b: TestApp, channelId: string) =>
  b.slack
    .messages(channelId)
    .map((m) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`)
    .join('\n---\n');

test('done when: v1, v2, an alert → v2 is the suspect → a deployer clicks Roll back → the receiver gets exactly one rollback to v1 → success in the channel → the gate answers 423 until the freeze is lifted', async () => {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({ configYaml: webhookConfig(receiver.url) });
  const { channelId, card } = await deployTwiceThenAlert(bot);

  // The card names v2 (6 min before the first alert, by ana) as the first suspect.
  const cardJson = JSON.stringify(card.blocks);
  expect(cardJson).toContain('Suspect deploys');
  expect(cardJson.indexOf('v2')).toBeLessThan(cardJson.indexOf('v1'));
  expect(cardJson).toMatch(/v2.*to checkout\/production by ana, 6 min before the first alert/);
  const button = rollbackButtonOf(card.blocks);
  expect(button.text).toBe('Roll back to v1');
  expect(JSON.parse(button.value)).toMatchObject({ incidentId: 1, deployId: 2, toDeployId: 1 });
  // The confirm dialog names from → to.
  expect(cardJson).toContain('from *v2* to *v1*');

  // The same click twice, and a second deployer at the same time: one rollback.
  const clicks = await Promise.all([
    click(bot, { user: DEPLOYER, channel: channelId, button, responseId: 'r1' }),
    click(bot, { user: DEPLOYER, channel: channelId, button, responseId: 'r2' }),
    click(bot, { user: DEPLOYER2, channel: channelId, button, responseId: 'r3' }),
  ]);
  expect(clicks.map((c) => c.status)).toEqual([200, 200, 200]);
  await eventually(() => receiver?.requests.length === 1);
  await bot.app.outbox.drain(5000);
  expect(receiver.requests).toHaveLength(1);
  expect(receiver.requests[0]?.verified).toBe(true);
  expect(receiver.rollbacks).toHaveLength(1);
  expect(receiver.rollbacks[0]?.body).toMatchObject({
    service: 'checkout',
    environment: 'production',
    from: { version: 'v2' },
    to: { version: 'v1' },
    incident: 1,
  });
  expect(await bot.app.store.read((tx) => allRollbacks(tx))).toHaveLength(1);
  const repeated = ['r1', 'r2', 'r3'].map((id) => responseText(bot as TestApp, id)).join('\n');
  expect(repeated).toMatch(/already asked for/);

  // The channel says it succeeded (a thread reply broadcast to the channel) and offers Mark mitigated.
  const text = await eventually(() => {
    const t = channelText(bot as TestApp, channelId);
    return t.includes('to *v1* succeeded') ? t : null;
  });
  expect(text).toContain('is rolling back *checkout* in *production* from *v2* to *v1*');
  const success = bot.slack.messages(channelId).find((m) => m.text.includes('succeeded'));
  expect(success?.thread_ts).toBeTruthy();
  expect(buttons(success?.blocks).map((b) => b.action_id)).toEqual([
    'incident_mark_mitigated',
    'deploy_lift_freeze',
  ]);

  const kinds = (await bot.app.store.read((tx) => list(tx, 1))).map((e) => e.kind);
  expect(kinds).toEqual(
    expect.arrayContaining([
      'rollback_requested',
      'rollback_started',
      'rollback_succeeded',
      'freeze_created',
    ]),
  );

  // Mark mitigated from the success message.
  const mitigate = buttons(success?.blocks).find(
    (b) => b.action_id === 'incident_mark_mitigated',
  ) as FoundButton;
  await click(bot, { user: DEPLOYER, channel: channelId, button: mitigate, responseId: 'm1' });
  await eventually(async () =>
    ((await bot?.app.store.read((tx) => list(tx, 1))) ?? []).some((e) => e.kind === 'mitigated'),
  );

  // After the rollback the service is frozen: the gate says 423 with Retry-After…
  const gate = await bot.get('/api/v1/gates/deploy?service=checkout&environment=production');
  expect(gate.status).toBe(423);
  const retryAfter = Number(gate.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(7000);
  expect(retryAfter).toBeLessThanOrEqual(7200);
  expect(await gate.json()).toMatchObject({
    allowed: false,
    reason: expect.stringContaining('Rolled back to v1'),
  });
  // …aliases resolve, and other environments are not frozen…
  expect(
    (await bot.get('/api/v1/gates/deploy?service=checkout-api&environment=production')).status,
  ).toBe(423);
  expect((await bot.get('/api/v1/gates/deploy?service=checkout&environment=staging')).status).toBe(
    200,
  );
  // …until a deployer lifts it.
  await deployCommand(bot, {
    user: DEPLOYER,
    channel: channelId,
    text: 'unfreeze checkout',
    responseId: 'u1',
  });
  await eventually(() => responseText(bot as TestApp, 'u1').includes('Lifted #1'));
  const open = await bot.get('/api/v1/gates/deploy?service=checkout&environment=production');
  expect(open.status).toBe(200);
  expect(await open.json()).toEqual({
    allowed: true,
    service: 'checkout',
    environment: 'production',
  });

  // The card shows the rollback done and no longer offers it.
  await bot.app.outbox.drain(5000);
  const after = bot.slack.pinnedMessages(channelId)[0];
  expect(JSON.stringify(after?.blocks)).toContain('Rolled back to v1');
  expect(buttons(after?.blocks).some((b) => b.action_id === 'deploy_rollback')).toBe(false);
  expect((await bot.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('a non-deployer clicking Roll back is told no, the refusal is audited, and nothing is called', async () => {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({ configYaml: webhookConfig(receiver.url) });
  const { channelId, card } = await deployTwiceThenAlert(bot);
  await click(bot, {
    user: STRANGER,
    channel: channelId,
    button: rollbackButtonOf(card.blocks),
    responseId: 'x',
  });
  const reply = await eventually(
    () => bot?.slack.responsesTo('x')[0] as { text: string; response_type: string },
  );
  expect(reply.response_type).toBe('ephemeral');
  expect(reply.text).toMatch(/not allowed to roll back checkout in production/);
  expect(reply.text).toContain(`<@${OWNER}>`);
  const denied = (await bot.app.store.read((tx) => list(tx, 1))).filter(
    (e) => e.kind === 'permission_denied',
  );
  expect(denied).toHaveLength(1);
  expect(denied[0]).toMatchObject({
    actor: STRANGER,
    payload: { action: 'roll back checkout in production' },
  });
  await bot.app.outbox.drain(5000);
  expect(receiver.requests).toHaveLength(0);
  expect(await bot.app.store.read((tx) => allRollbacks(tx))).toHaveLength(0);

  // The incident owner may (PRODUCT §3), without being a deployer.
  await click(bot, {
    user: OWNER,
    channel: channelId,
    button: rollbackButtonOf(card.blocks),
    responseId: 'o',
  });
  await eventually(() => receiver?.rollbacks.length === 1);
});

test('a receiver answering 500 → failed in the channel with the reason; the Retry button then works', async () => {
  receiver = await startRollbackReceiver(SECRET);
  receiver.mode = { kind: 'http', status: 500, body: { message: 'deployer database is down' } };
  bot = await startTestApp({ configYaml: webhookConfig(receiver.url) });
  const { channelId, card } = await deployTwiceThenAlert(bot);
  await click(bot, {
    user: DEPLOYER,
    channel: channelId,
    button: rollbackButtonOf(card.blocks),
    responseId: 'a',
  });
  const failure = await eventually(() =>
    bot?.slack.messages(channelId).find((m) => m.text.includes('failed')),
  );
  expect(failure.text).toMatch(
    /Rollback of checkout\/production to v1 failed: .*answered 500: deployer database is down/,
  );
  const rows = await bot.app.store.read((tx) => allRollbacks(tx));
  expect(rows).toMatchObject([
    { status: 'failed', error: expect.stringContaining('answered 500') },
  ]);
  expect((await bot.app.store.read((tx) => list(tx, 1))).map((e) => e.kind)).toContain(
    'rollback_failed',
  );
  // Nothing half-recorded: no freeze after a failed rollback, no outbox item left pending.
  expect(
    (await bot.get('/api/v1/gates/deploy?service=checkout&environment=production')).status,
  ).toBe(200);
  await bot.app.outbox.drain(5000);

  // The card offers a retry, and the failure message has a Retry button: it starts a new attempt.
  await eventually(() =>
    buttons(bot?.slack.pinnedMessages(channelId)[0]?.blocks).some((b) =>
      b.text.startsWith('Retry roll back'),
    ),
  );
  const retry = buttons(failure.blocks).find(
    (b) => b.action_id === 'deploy_rollback',
  ) as FoundButton;
  expect(retry.text).toBe('Retry rollback');
  receiver.mode = { kind: 'succeed' };
  await click(bot, { user: DEPLOYER, channel: channelId, button: retry, responseId: 'b' });
  await eventually(() =>
    bot?.slack.messages(channelId).some((m) => m.text.includes('to v1 succeeded')),
  );
  expect(receiver.requests).toHaveLength(2);
  expect((await bot.app.store.read((tx) => allRollbacks(tx))).map((r) => r.status)).toEqual([
    'failed',
    'succeeded',
  ]);
});

test('a receiver that never answers → failed after the timeout, with the reason', async () => {
  receiver = await startRollbackReceiver(SECRET);
  receiver.mode = { kind: 'hang', ms: 3000 };
  bot = await startTestApp({ configYaml: webhookConfig(receiver.url, ', timeout: 1s') });
  const { channelId, card } = await deployTwiceThenAlert(bot);
  await click(bot, {
    user: DEPLOYER,
    channel: channelId,
    button: rollbackButtonOf(card.blocks),
    responseId: 'a',
  });
  const failure = await eventually(() =>
    bot?.slack.messages(channelId).find((m) => m.text.includes('failed')),
  );
  expect(failure.text).toMatch(/did not answer within 1 s/);
});

test('an asynchronous receiver reports back through the signed callback', async () => {
  receiver = await startRollbackReceiver(SECRET);
  receiver.mode = { kind: 'callback', delayMs: 50, outcome: 'succeeded' };
  const r = receiver;
  bot = await startTestApp({
    configYaml: webhookConfig(r.url),
    // The bot's own URL is only known once it listens; PUBLIC_URL is read at start, so restart.
  });
  const publicUrl = bot.base;
  const dir = bot.dir;
  await bot.stop({ keepDir: true });
  bot = await startTestApp({
    configYaml: webhookConfig(r.url),
    dir,
    env: { PUBLIC_URL: publicUrl, PORT: new URL(publicUrl).port },
  });
  const { channelId, card } = await deployTwiceThenAlert(bot);
  await click(bot, {
    user: DEPLOYER,
    channel: channelId,
    button: rollbackButtonOf(card.blocks),
    responseId: 'a',
  });
  await eventually(() => r.callbacks.length === 1);
  expect(await r.callbacks[0]).toBe(200);
  await eventually(() =>
    bot?.slack.messages(channelId).some((m) => m.text.includes('to v1 succeeded')),
  );
  expect(r.rollbacks[0]?.body.callbackUrl).toBe(`${publicUrl}/webhooks/rollbacks/1`);
  // A forged callback is refused.
  const forged = await fetch(`${publicUrl}/webhooks/rollbacks/1`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-firebreak-timestamp': '1',
      'x-firebreak-signature': 'sha256=00',
    },
    body: '{"status":"failed"}',
  });
  expect(forged.status).toBe(401);
});

const commandConfig = (recordFile: string, flags: string) => `
permissions:
  deployers: [${DEPLOYER}]
services:
  checkout:
    environments:
      production:
        rollback:
          backend: command
          timeout: 2s
          argv: ["${FAKE_DEPLOYER}", "--record", "${recordFile}"${flags}, "--", "rollout", "undo", "deployment/{{service}}", "--to-revision={{revision}}"]
`;

test('a command that exits non-zero → failed in the channel with the code and its output', async () => {
  bot = await startTestApp({ configYaml: commandConfig('/dev/null', ', "--exit", "2"') });
  await postDeploy(bot, { id: 'd-1', version: 'v1', minutesAgo: 60, rollback: { revision: 17 } });
  await postDeploy(bot, { id: 'd-2', version: 'v2', minutesAgo: 6, rollback: { revision: 18 } });
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'k',
    title: 'Checkout down',
    service: 'checkout',
  });
  const channel = await eventually(() => bot?.slack.channelByName('inc-1-checkout-down'));
  const card = await eventually(() => bot?.slack.pinnedMessages(channel.id)[0]);
  await click(bot, {
    user: DEPLOYER,
    channel: channel.id,
    button: rollbackButtonOf(card.blocks),
    responseId: 'a',
  });
  const failure = await eventually(() =>
    bot?.slack.messages(channel.id).find((m) => m.text.includes('failed')),
  );
  expect(failure.text).toContain('exited with code 2');
  expect(JSON.stringify(failure.blocks)).toContain('error: rollout failed (exit 2)');
});

test('a template value that is not a valid revision is refused before anything runs', async () => {
  const recordFile = join(bot?.dir ?? '/tmp', `never-${Date.now()}.jsonl`);
  bot = await startTestApp({ configYaml: commandConfig(recordFile, '') });
  await postDeploy(bot, {
    id: 'd-1',
    version: 'v1',
    minutesAgo: 60,
    rollback: { revision: '17; rm -rf /' },
  });
  await postDeploy(bot, { id: 'd-2', version: 'v2', minutesAgo: 6, rollback: { revision: 18 } });
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'k',
    title: 'Checkout down',
    service: 'checkout',
  });
  const channel = await eventually(() => bot?.slack.channelByName('inc-1-checkout-down'));
  const card = await eventually(() => bot?.slack.pinnedMessages(channel.id)[0]);
  await click(bot, {
    user: DEPLOYER,
    channel: channel.id,
    button: rollbackButtonOf(card.blocks),
    responseId: 'a',
  });
  const reply = await eventually(() => bot?.slack.responsesTo('a')[0] as { text: string });
  expect(reply.text).toMatch(
    /Refused before running anything: revision "17; rm -rf \/" is not a numeric revision/,
  );
  await bot.app.outbox.drain(5000);
  expect(existsSync(recordFile) ? readFileSync(recordFile, 'utf8') : '').toBe('');
  expect(await bot.app.store.read((tx) => allRollbacks(tx))).toHaveLength(0);
  expect(
    (await bot.app.store.read((tx) => list(tx, 1))).some((e) => e.kind.startsWith('rollback_')),
  ).toBe(false);
});

test('/deploy rollback <service> asks to confirm from → to; outside an incident progress goes to that channel', async () => {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({ configYaml: webhookConfig(receiver.url) });
  bot.slack.addChannel({ id: 'C0OPS', name: 'ops', members: ['U0BOT00001'] });
  await postDeploy(bot, { id: 'd-1', version: 'v1', minutesAgo: 60 });
  await postDeploy(bot, { id: 'd-2', version: 'v2', minutesAgo: 6 });
  await deployCommand(bot, {
    user: DEPLOYER,
    channel: 'C0OPS',
    text: 'rollback checkout-api',
    responseId: 'p',
  });
  const prompt = await eventually(
    () => bot?.slack.responsesTo('p')[0] as { blocks: unknown; response_type: string },
  );
  expect(prompt.response_type).toBe('ephemeral');
  expect(JSON.stringify(prompt.blocks)).toMatch(/from \*v2\*.*to \*v1\*/);
  const button = rollbackButtonOf(prompt.blocks);
  expect(JSON.parse(button.value)).toEqual({
    incidentId: null,
    deployId: 2,
    toDeployId: 1,
    retryOf: null,
  });
  await click(bot, { user: DEPLOYER, channel: 'C0OPS', button, responseId: 'c' });
  await eventually(() =>
    bot?.slack.messages('C0OPS').some((m) => m.text.includes('to v1 succeeded')),
  );
  expect(receiver.rollbacks).toHaveLength(1);

  // Nothing earlier to go to: the prompt says so and offers no button.
  await deployCommand(bot, {
    user: DEPLOYER,
    channel: 'C0OPS',
    text: 'rollback search',
    responseId: 'q',
  });
  const none = await eventually(
    () => bot?.slack.responsesTo('q')[0] as { blocks: unknown; text: string },
  );
  expect(none.text).toContain('No deploys of search');
  expect(buttons(none.blocks)).toEqual([]);
});

test('Not related takes a suspect off the card and into the timeline', async () => {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({ configYaml: webhookConfig(receiver.url) });
  const { channelId, card } = await deployTwiceThenAlert(bot);
  expect(JSON.stringify(card.blocks)).toContain('deploys/d-2|v2>');
  const notRelated = buttons(card.blocks).filter((b) => b.action_id === 'deploy_not_related');
  expect(notRelated).toHaveLength(2);
  await click(bot, {
    user: STRANGER,
    channel: channelId,
    button: notRelated[0] as FoundButton,
    responseId: 'n',
  });
  await eventually(async () =>
    ((await bot?.app.store.read((tx) => list(tx, 1))) ?? []).some(
      (e) => e.kind === 'suspect_marked',
    ),
  );
  await bot.app.outbox.drain(5000);
  const after = JSON.stringify(bot.slack.pinnedMessages(channelId)[0]?.blocks);
  expect(after).not.toContain('deploys/d-2|v2>');
  expect(after).toContain('deploys/d-1|v1>');
});
