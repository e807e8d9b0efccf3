import { afterEach, expect, test } from 'vitest';
import { allFreezes } from '../../src/store/freezes.js';
import { AUDIT_STREAM, list, verify } from '../../src/timeline/timeline.js';
import {
  API_TOKEN,
  eventually,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import {
  buttons,
  click,
  deployCommand,
  type FoundButton,
  responseText,
} from '../support/deploys.js';
import { sendViewSubmission, viewSubmissionPayload } from '../support/slack-requests.js';

const DEPLOYER = 'U0DEPLOYER';
const STRANGER = 'U0STRANGER';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = (extra = '') => `
permissions:
  deployers: [${DEPLOYER}]
services:
  checkout:
    aliases: [checkout-api]
    environments:
      production: {}
      staging: {}
deploys:
  freezeDefault: 2h
  freezeMax: 8h
${extra}`;

const auditKinds = (b: TestApp) =>
  b.app.sqlite
    .prepare('SELECT kind, actor, payload FROM timeline_events WHERE stream = ? ORDER BY seq')
    .all(AUDIT_STREAM) as { kind: string; actor: string; payload: string }[];

test("the card's Freeze deploys opens a modal; submitting it freezes the incident's scope and the gate answers 423", async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'k',
    title: 'Checkout down',
    service: 'checkout',
  });
  const channel = await eventually(() => bot?.slack.channelByName('inc-1-checkout-down'));
  const card = await eventually(() => bot?.slack.pinnedMessages(channel.id)[0]);
  const freezeButton = buttons(card.blocks).find(
    (b) => b.action_id === 'deploy_freeze',
  ) as FoundButton;
  await click(bot, {
    user: DEPLOYER,
    channel: channel.id,
    button: freezeButton,
    responseId: 'fb',
    triggerId: bot.slack.triggerId(),
  });
  const opened = await eventually(() => bot?.slack.views[0]);
  const view = opened.view as {
    callback_id: string;
    private_metadata: string;
    blocks: { block_id: string; element: Record<string, unknown> }[];
  };
  expect(view.callback_id).toBe('deploy_freeze');
  const initial = Object.fromEntries(
    view.blocks.map((b) => [b.block_id, b.element.initial_value ?? b.element.initial_option]),
  );
  expect(initial).toMatchObject({
    freeze_services: 'checkout',
    freeze_environments: 'production',
    freeze_duration: { value: String(2 * 60 * 60_000) },
    freeze_reason: 'INC-1: Checkout down',
  });

  const submit = (reason: string, duration: number) =>
    sendViewSubmission(
      bot?.base ?? '',
      SIGNING_SECRET,
      viewSubmissionPayload({
        callback_id: 'deploy_freeze',
        private_metadata: view.private_metadata,
        user: DEPLOYER,
        values: {
          freeze_services: { value: 'checkout-api' },
          freeze_environments: { value: 'production' },
          freeze_duration: {
            value: { type: 'static_select', selected_option: { value: String(duration) } },
          },
          freeze_reason: { value: reason },
          freeze_options: { value: { type: 'checkboxes', selected_options: [] } },
        },
      }),
    );
  // An empty reason goes back onto the form; nothing is frozen.
  const invalid = await submit('  ', 60 * 60_000);
  expect(invalid.json()).toEqual({
    response_action: 'errors',
    errors: { freeze_reason: 'Say why deploys are frozen.' },
  });
  expect(await bot.app.store.read((tx) => allFreezes(tx))).toHaveLength(0);

  const ok = await submit('payment errors while we investigate', 60 * 60_000);
  expect(ok.status).toBe(200);
  expect(ok.body).toBe('');
  const [row] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(row).toMatchObject({
    services: ['checkout'],
    environments: ['production'],
    incidentId: 1,
    createdBy: DEPLOYER,
  });

  const gate = await bot.get('/api/v1/gates/deploy?service=checkout&environment=production');
  expect(gate.status).toBe(423);
  expect(Number(gate.headers.get('retry-after'))).toBeGreaterThan(3500);
  expect(gate.headers.get('cache-control')).toBe('no-store');
  const status = await bot.get('/api/v1/freeze-status?service=checkout-api&environment=production');
  expect(await status.json()).toMatchObject({
    frozen: true,
    service: 'checkout',
    freezes: [
      { id: 1, reason: 'payment errors while we investigate', incident: 1, blocksRollbacks: false },
    ],
  });
  expect((await bot.get('/api/v1/gates/deploy?environment=production')).status).toBe(400);

  // Announced in the incident channel (with a Lift button) and shown on the card.
  const notice = await eventually(() =>
    bot?.slack.messages(channel.id).find((m) => m.text.includes('frozen')),
  );
  await bot.app.outbox.drain(5000);
  expect(JSON.stringify(bot.slack.pinnedMessages(channel.id)[0]?.blocks)).toContain(
    'Deploys frozen',
  );
  expect((await bot.app.store.read((tx) => list(tx, 1))).map((e) => e.kind)).toContain(
    'freeze_created',
  );
  expect(auditKinds(bot).map((e) => e.kind)).toContain('freeze_created');

  // Lift it from the message.
  const lift = buttons(notice.blocks).find(
    (b) => b.action_id === 'deploy_lift_freeze',
  ) as FoundButton;
  await click(bot, { user: DEPLOYER, channel: channel.id, button: lift, responseId: 'lift' });
  await eventually(() => responseText(bot as TestApp, 'lift').includes('Freeze #1 lifted'));
  expect(
    (await bot.get('/api/v1/gates/deploy?service=checkout&environment=production')).status,
  ).toBe(200);
  await eventually(() =>
    bot?.slack.messages(channel.id).some((m) => m.text.includes('lifted freeze #1')),
  );
  expect((await bot.app.store.read((tx) => list(tx, 1))).map((e) => e.kind)).toContain(
    'freeze_lifted',
  );
  expect((await bot.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('/deploy freeze outside an incident: scope, duration and reason parsed; max enforced; status and unfreeze', async () => {
  bot = await startTestApp({ configYaml: CONFIG() });
  bot.slack.addChannel({ id: 'C0OPS', name: 'ops', members: ['U0BOT00001'] });
  const run = async (user: string, text: string, id: string) => {
    await deployCommand(bot as TestApp, { user, channel: 'C0OPS', text, responseId: id });
    return eventually(() => responseText(bot as TestApp, id) || null);
  };
  expect(await run(DEPLOYER, 'freeze checkout staging 30m db migration running', 'a')).toContain(
    'Freeze #1 is on',
  );
  expect((await bot.app.store.read((tx) => allFreezes(tx)))[0]).toMatchObject({
    services: ['checkout'],
    environments: ['staging'],
    reason: 'db migration running',
    channelId: 'C0OPS',
  });
  expect((await bot.get('/api/v1/gates/deploy?service=checkout&environment=staging')).status).toBe(
    423,
  );
  expect(
    (await bot.get('/api/v1/gates/deploy?service=checkout&environment=production')).status,
  ).toBe(200);
  // Announced where it was made.
  await eventually(() =>
    bot?.slack.messages('C0OPS').some((m) => m.text.includes('db migration running')),
  );

  expect(await run(DEPLOYER, 'freeze checkout 9h too long', 'b')).toMatch(/at most 480 minutes/);
  expect(await run(DEPLOYER, 'freeze', 'c')).toMatch(/Say what to freeze and why/);
  expect(await run(DEPLOYER, 'status checkout', 'd')).toMatch(/#1 checkout × staging/);
  expect(await run(DEPLOYER, 'frobnicate', 'e')).toMatch(/I don't know `\/deploy frobnicate`/);

  // A non-deployer: not allowed, and the refusal is in the audit stream.
  expect(await run(STRANGER, 'freeze * production 1h nope', 'f')).toMatch(
    /not allowed to freeze deploys of \* × production/,
  );
  expect(await run(STRANGER, 'unfreeze #1', 'g')).toMatch(/not allowed to lift freeze #1/);
  const denied = auditKinds(bot).filter((e) => e.kind === 'permission_denied');
  expect(denied.map((e) => e.actor)).toEqual([STRANGER, STRANGER]);
  expect((await bot.get('/api/v1/gates/deploy?service=checkout&environment=staging')).status).toBe(
    423,
  );

  expect(await run(DEPLOYER, 'unfreeze checkout', 'h')).toContain('Lifted #1');
  expect((await bot.get('/api/v1/gates/deploy?service=checkout&environment=staging')).status).toBe(
    200,
  );
});

test('a freeze lifts itself at expiry with a message, even across a restart (injected clock)', async () => {
  let clock = new Date('2026-11-22T10:00:00Z');
  const now = () => clock;
  bot = await startTestApp({ configYaml: CONFIG(), app: { now } });
  bot.slack.addChannel({ id: 'C0OPS', name: 'ops', members: ['U0BOT00001'] });
  await deployCommand(bot, {
    user: DEPLOYER,
    channel: 'C0OPS',
    text: 'freeze checkout production 30m release train',
    responseId: 'a',
  });
  await eventually(() => responseText(bot as TestApp, 'a').includes('Freeze #1'));
  const sweep = () => bot?.app.jobs.find((j) => j.name === 'freeze-expiry')?.run();

  clock = new Date('2026-11-22T10:29:00Z');
  await sweep();
  expect((await bot.app.store.read((tx) => allFreezes(tx)))[0]?.liftedAt).toBeNull();

  // The bot is down when the freeze expires; the sweeper after the restart still lifts it, once.
  bot = await bot.restart();
  clock = new Date('2026-11-22T10:45:00Z');
  expect(
    (await bot.get('/api/v1/gates/deploy?service=checkout&environment=production')).status,
  ).toBe(200);
  await sweep();
  await sweep();
  const [row] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(row).toMatchObject({ liftedBy: 'expired' });
  expect(row?.liftedAt?.toISOString()).toBe('2026-11-22T10:30:00.000Z');
  const expired = await eventually(() =>
    bot?.slack.messages('C0OPS').find((m) => m.text.includes('expired')),
  );
  await bot.app.outbox.drain(5000);
  expect(bot.slack.messages('C0OPS').filter((m) => m.text.includes('expired'))).toHaveLength(1);
  expect(expired.text).toContain('Freeze #1 on checkout × production expired');
  expect(auditKinds(bot).map((e) => e.kind)).toEqual(['freeze_created', 'freeze_expired']);
});

test('with gateAuth: token the gate wants the API token', async () => {
  bot = await startTestApp({ configYaml: CONFIG('  gateAuth: token\n') });
  expect((await bot.get('/api/v1/gates/deploy?service=checkout')).status).toBe(401);
  expect((await bot.get('/api/v1/freeze-status?service=checkout')).status).toBe(401);
  const res = await bot.get('/api/v1/gates/deploy?service=checkout', {
    authorization: `Bearer ${API_TOKEN}`,
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    allowed: true,
    service: 'checkout',
    environment: 'production',
  });
});
