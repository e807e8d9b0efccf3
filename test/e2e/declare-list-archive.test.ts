import { afterEach, expect, test } from 'vitest';
import { actions, fields, shortcuts, views } from '../../src/slack/ids.js';
import { findIncident } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, BOB, GENERAL, slackDriver } from '../support/slack-driver.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = `
incidents:
  archiveAfter: 2h
services:
  checkout: { aliases: [checkout-api] }
  payments: {}
`;

type Input = {
  block_id: string;
  element: { type: string; initial_value?: string; options?: { value: string }[] };
};

test('`/incident declare` without a title opens the form; its submission declares with services and description and says so', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const as = slackDriver(bot);
  const sent = await as.command('declare sev1');
  expect(sent.status).toBe(200);
  const modal = await eventually(() => as.lastModal());
  expect(modal.callback_id).toBe(views.declare);
  const inputs = modal.blocks as Input[];
  expect(inputs.map((b) => b.block_id)).toEqual([
    fields.title,
    fields.severity,
    fields.services,
    fields.description,
    fields.private,
  ]);
  expect(JSON.stringify(inputs[1])).toContain(
    '"initial_option":{"text":{"type":"plain_text","text":"🔴 SEV1"',
  );
  expect(inputs[2]?.element.options?.map((o) => o.value)).toEqual(['checkout', 'payments']);

  const submitted = await as.submit(
    views.declare,
    {
      [fields.title]: 'Card payments declined',
      [fields.severity]: { selected_option: { value: 'sev1' } },
      [fields.services]: { type: 'multi_static_select', selected_options: [{ value: 'payments' }] },
      [fields.description]: 'Every Visa payment fails since 10:02.',
    },
    { user: BOB },
  );
  expect(submitted.json()).toMatchObject({
    response_action: 'update',
    view: { title: { text: 'Incident declared' } },
  });
  expect(JSON.stringify(submitted.json())).toContain('*INC-1* Card payments declined is declared');
  expect(await bot.app.store.read((tx) => findIncident(tx, 1))).toMatchObject({
    title: 'Card payments declined',
    severity: 'sev1',
    state: 'investigating',
    ownerId: BOB,
    services: ['payments'],
    description: 'Every Visa payment fails since 10:02.',
    source: 'declared',
  });
  const channel = await as.channelOf(1);
  expect(bot.slack.channel(channel)?.members).toContain(BOB);
});

test('"Declare incident" on a message: the message becomes the description and the first timeline entry, at its own time', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const as = slackDriver(bot);
  const ts = '1795000000.000200';
  const res = await as.messageShortcut(
    shortcuts.declareFromMessage,
    {
      ts,
      user: BOB,
      text: 'checkout-api is returning 502 for everyone\nsince the deploy &amp; the flag flip',
    },
    { user: ALICE, channel: GENERAL },
  );
  expect(res.status).toBe(200);
  const modal = await eventually(() => as.lastModal());
  const inputs = modal.blocks as Input[];
  expect(inputs[0]?.element.initial_value).toBe('checkout-api is returning 502 for everyone');
  expect(inputs[3]?.element.initial_value).toBe(
    'checkout-api is returning 502 for everyone\nsince the deploy & the flag flip',
  );

  await as.submit(
    views.declare,
    {
      [fields.title]: 'checkout-api is returning 502 for everyone',
      [fields.severity]: { selected_option: { value: 'sev2' } },
      [fields.services]: { type: 'multi_static_select', selected_options: [{ value: 'checkout' }] },
      [fields.description]: inputs[3]?.element.initial_value ?? '',
    },
    { metadata: JSON.parse(modal.private_metadata ?? '{}') },
  );
  const { store } = bot.app;
  const incident = await eventually(async () => await store.read((tx) => findIncident(tx, 1)));
  const messageTime = new Date(1795000000000);
  expect(incident).toMatchObject({ ownerId: ALICE, services: ['checkout'] });
  expect(incident.impactStartedAt).toEqual(messageTime);
  const first = (await bot.app.store.read((tx) => list(tx, 1))).find((e) => e.kind === 'note');
  expect(first).toMatchObject({
    at: messageTime,
    actor: BOB,
    payload: {
      text: 'checkout-api is returning 502 for everyone\nsince the deploy & the flag flip',
      permalink: `https://firebreak-emulated.slack.com/archives/${GENERAL}/p1795000000000200`,
      declaredFrom: true,
    },
  });
});

test('`/incident list` shows the open incidents, worst first, with their channels', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const as = slackDriver(bot);
  expect(await (await as.command('list')).reply()).toBe('No open incidents. 🎉');
  await as.command('declare sev3 Slow search');
  await as.command('declare sev1 Checkout down');
  await as.command('declare sev2 Resolved soon');
  const [slow, down, gone] = [await as.channelOf(1), await as.channelOf(2), await as.channelOf(3)];
  await as.command('resolve false alarm', { channel: gone });
  await as.timelineEntry(3, 'resolved');

  const sent = await as.command('list', { user: BOB });
  await sent.reply();
  const reply = sent.replies()[0] as {
    response_type?: string;
    blocks?: { text: { text: string } }[];
  };
  expect(reply.response_type).toBe('ephemeral');
  const lines = reply.blocks?.[0]?.text.text.split('\n') ?? [];
  expect(lines[0]).toBe('*2 open incidents*');
  expect(lines[1]).toMatch(
    new RegExp(`SEV1 \\*INC-2\\* Checkout down · Investigating · <@${ALICE}> · <#${down}>`),
  );
  expect(lines[2]).toMatch(new RegExp(`SEV3 \\*INC-1\\* Slow search .* <#${slow}>`));
  expect(lines).toHaveLength(3);
});

test('resolving offers to archive the channel later; one click schedules it once, and it is archived when due unless reopened', async () => {
  let now = Date.now();
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => new Date(now) } });
  const as = slackDriver(bot);
  await as.command('declare sev2 Checkout is slow');
  const channel = await as.channelOf(1);
  await as.command('resolve Restarted the pods', { channel });
  await as.timelineEntry(1, 'resolved');
  await bot.app.outbox.drain();
  const resolved = bot.slack.messages(channel).find((m) => m.text.includes('resolved INC-1'));
  expect(JSON.stringify(resolved?.blocks)).toContain('Archive this channel in 2 h');

  const clicks = await Promise.all([
    as.click(actions.archive, '1', { channel }),
    as.click(actions.archive, '1', { user: BOB, channel }),
  ]);
  expect(clicks.map((c) => c.status)).toEqual([200, 200]);
  await as.timelineEntry(1, 'channel_archive_scheduled');
  expect(await eventually(() => clicks.flatMap((c) => c.replies())[0]?.text)).toMatch(
    /already set to be archived/,
  );
  await eventually(() =>
    bot?.slack
      .messages(channel)
      .some((m) => m.text.includes('scheduled this channel to be archived')),
  );
  expect(bot.slack.channel(channel)?.is_archived).toBe(false);

  now += 2 * 60 * 60_000 + 1000;
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
  expect(bot.slack.channel(channel)?.is_archived).toBe(true);
  expect(
    (await bot.app.store.read((tx) => list(tx, 1)))
      .filter((e) => e.kind.startsWith('channel_archive'))
      .map((e) => e.kind),
  ).toEqual(['channel_archive_scheduled', 'channel_archived']);
  expect(bot.slack.findCalls('conversations.archive')).toHaveLength(1);
});

test('a channel whose incident was reopened before the archive came due stays', async () => {
  let now = Date.now();
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => new Date(now) } });
  const as = slackDriver(bot);
  await as.command('declare sev2 Checkout is slow');
  const channel = await as.channelOf(1);
  await as.command('resolve Restarted the pods', { channel });
  await as.timelineEntry(1, 'resolved');
  await as.click(actions.archive, '1', { channel });
  await as.timelineEntry(1, 'channel_archive_scheduled');
  const reopen = await as.command('reopen', { channel });
  expect(await reopen.reply()).toMatch(/Say why the incident is reopened/);
  await as.command('reopen Errors are back', { channel });
  await as.timelineEntry(1, 'reopened');
  now += 3 * 60 * 60_000;
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
  expect(bot.slack.channel(channel)?.is_archived).toBe(false);
  expect(bot.slack.findCalls('conversations.archive')).toEqual([]);
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.state).toBe('investigating');
});
