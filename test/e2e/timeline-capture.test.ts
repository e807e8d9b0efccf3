import { afterEach, expect, test } from 'vitest';
import { tsToDate } from '../../src/incidents/capture.js';
import { findIncident } from '../../src/store/incidents.js';
import { list, verify } from '../../src/timeline/timeline.js';
import type { EmulatedMessage } from '../emulators/slack.js';
import { eventually, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import {
  eventEnvelope,
  messageShortcutPayload,
  sendEvent,
  sendShortcut,
} from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const BOB = 'U0BOB0001';
const CAROL = 'U0CAR0001';

// The shape of a real reaction_added delivery (python-slack-events-api's recorded example).
const recorded = fixture<{ event: Record<string, unknown> }>(
  'slack/requests/events/reaction_added.python-slack-events-api.json',
).event;

function reaction(
  type: 'reaction_added' | 'reaction_removed',
  message: { channel: string; ts: string; user: string },
  user: string,
  options: { reaction?: string; eventId?: string } = {},
) {
  return eventEnvelope(
    {
      ...recorded,
      type,
      user,
      reaction: options.reaction ?? 'pushpin',
      item_user: message.user,
      item: { type: 'message', channel: message.channel, ts: message.ts },
      event_ts: (Date.now() / 1000).toFixed(6),
    },
    options.eventId ? { event_id: options.eventId } : {},
  );
}

/** An incident opened from an alert, with its channel created in the emulated workspace. */
async function incidentChannel(configYaml = '') {
  bot = await startTestApp({ configYaml });
  const res = await bot.post('/webhooks/alerts', {
    dedupeKey: 'checkout-5xx',
    title: 'High 5xx on checkout',
    service: 'checkout',
    severity: 'critical',
  });
  expect(res.status).toBe(202);
  const app = bot.app;
  const channelId = await eventually(
    async () => (await app.store.read((tx) => findIncident(tx, 1)))?.channelId,
  );
  await app.outbox.drain(5000);
  bot.slack.addUser({ id: BOB, name: 'bob' });
  bot.slack.addUser({ id: CAROL, name: 'carol' });
  return { bot, channelId };
}

const send = (envelope: object, headers: Record<string, string> = {}) => {
  if (!bot) throw new Error('no bot');
  return sendEvent(bot.base, SIGNING_SECRET, envelope, headers);
};

const pins = async () =>
  bot ? (await bot.app.store.read((tx) => list(tx, 1))).filter((e) => e.kind === 'pinned') : [];
const repliesTo = (channel: string, message: EmulatedMessage) =>
  bot?.slack.messages(channel).filter((m) => m.thread_ts === message.ts && m.ts !== message.ts) ??
  [];

test('📌 on a message copies it into the timeline at its original time, with author, permalink and files, and the bot confirms in its thread', async () => {
  const { bot, channelId } = await incidentChannel();
  const message = bot.slack.addMessage({
    channel: channelId,
    user: BOB,
    text: 'connection pool exhausted since 09:58 — 数据库 🔥 ```too many connections```',
  });
  message.files = [{ id: 'F0GRAPH01', name: 'pool.png', title: 'Pool usage' }];
  // Written a while ago; pinned now.
  await new Promise((r) => setTimeout(r, 20));

  const res = await send(reaction('reaction_added', message, CAROL));
  expect(res.status).toBe(200);
  await eventually(async () => (await pins()).length === 1);
  await bot.app.outbox.drain(5000);

  const [pin] = await pins();
  expect(pin?.at.getTime()).toBe(tsToDate(message.ts).getTime());
  expect(pin?.actor).toBe(CAROL);
  expect(pin?.payload).toMatchObject({
    text: message.text,
    authorId: BOB,
    permalink: `${bot.slack.url}/archives/${channelId}/p${message.ts.replace('.', '')}`,
    files: [{ name: 'Pool usage', url: null }],
    via: 'reaction',
  });
  const replies = repliesTo(channelId, message);
  expect(replies).toHaveLength(1);
  expect(replies[0]?.text).toContain(`<@${CAROL}> added this to the INC-1 timeline`);
  expect(replies[0]?.user).toBe(bot.slack.botUserId);
});

test('a second 📌, and Slack retrying the same delivery, make one entry and one confirmation', async () => {
  const { bot, channelId } = await incidentChannel();
  const message = bot.slack.addMessage({ channel: channelId, user: BOB, text: 'rollback started' });
  const first = reaction('reaction_added', message, CAROL, { eventId: 'Ev0PIN0001' });
  await send(first);
  await send(first, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
  await send(reaction('reaction_added', message, BOB));
  await eventually(async () => (await pins()).length === 1);
  await bot.app.outbox.drain(5000);
  expect(await pins()).toHaveLength(1);
  expect(repliesTo(channelId, message)).toHaveLength(1);
  // The retry was dropped before it reached the listener: two capture requests, not three.
  const metrics = await (await bot.get('/metrics')).text();
  expect(metrics).toContain(
    'firebreak_outbox_deliveries_total{kind="timeline.pin",outcome="done"} 2',
  );
});

test('removing the 📌 marks the entry withdrawn (an event, not a delete) unless someone else’s 📌 is still on it', async () => {
  const { bot, channelId } = await incidentChannel();
  const message = bot.slack.addMessage({ channel: channelId, user: BOB, text: 'maybe DNS' });
  await send(reaction('reaction_added', message, CAROL));
  await send(reaction('reaction_added', message, BOB));
  await eventually(async () => (await pins()).length === 1);
  await bot.app.outbox.drain(5000);

  // Carol removes hers; Bob's is still there (Slack's message shows one pushpin left).
  message.reactions = [{ name: 'pushpin', users: [BOB], count: 1 }];
  await send(reaction('reaction_removed', message, CAROL));
  await bot.app.outbox.drain(5000);
  expect(
    (await bot.app.store.read((tx) => list(tx, 1))).some((e) => e.kind === 'pin_withdrawn'),
  ).toBe(false);

  message.reactions = [];
  await send(reaction('reaction_removed', message, BOB));
  await bot.app.outbox.drain(5000);
  const events = await bot.app.store.read((tx) => list(tx, 1));
  expect(events.filter((e) => e.kind === 'pinned')).toHaveLength(1);
  expect(events.filter((e) => e.kind === 'pin_withdrawn')).toEqual([
    expect.objectContaining({ actor: BOB, payload: expect.objectContaining({ ts: message.ts }) }),
  ]);
  const replies = repliesTo(channelId, message);
  expect(replies.map((r) => r.text)).toEqual([
    expect.stringContaining('added this to the INC-1 timeline'),
    expect.stringContaining(`<@${BOB}> withdrew this from the INC-1 timeline`),
  ]);
  expect((await bot.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('reactions elsewhere, other reactions, bot messages and deleted messages are ignored quietly', async () => {
  const { bot, channelId } = await incidentChannel();
  const general = bot.slack.addChannel({ name: 'general', members: [bot.slack.botUserId, BOB] });
  const elsewhere = bot.slack.addMessage({ channel: general.id, user: BOB, text: 'lunch?' });
  const human = bot.slack.addMessage({ channel: channelId, user: BOB, text: 'seeing errors' });
  const otherBot = bot.slack.addMessage({ channel: channelId, user: 'U0GRAFANA1', text: 'alert!' });
  otherBot.bot_id = 'B0GRAFANA1';
  const card = bot.slack.pinnedMessages(channelId)[0];
  if (!card) throw new Error('no card');

  await send(reaction('reaction_added', elsewhere, CAROL));
  await send(reaction('reaction_added', human, CAROL, { reaction: 'thumbsup' }));
  await send(reaction('reaction_added', card, CAROL));
  await send(reaction('reaction_added', otherBot, CAROL));
  await send(
    reaction('reaction_added', { channel: channelId, ts: '1700000000.000100', user: BOB }, CAROL),
  );
  await bot.app.outbox.drain(5000);

  expect(await pins()).toEqual([]);
  expect(bot.slack.messages(general.id)).toHaveLength(1);
  expect(bot.slack.messages(channelId).filter((m) => m.thread_ts)).toEqual([]);
  expect(bot.slack.ephemerals).toEqual([]);
  // Nothing was given up as failed either: ignored is a normal outcome.
  const metrics = await (await bot.get('/metrics')).text();
  expect(metrics).toContain('firebreak_outbox_failed 0');
  expect(metrics).not.toMatch(/firebreak_outbox_deliveries_total\{[^}]*outcome="failed"\}/);
});

test('a configured pin reaction replaces 📌', async () => {
  const { bot, channelId } = await incidentChannel('incidents:\n  pinReaction: bookmark\n');
  const message = bot.slack.addMessage({ channel: channelId, user: BOB, text: 'root cause found' });
  await send(reaction('reaction_added', message, CAROL));
  await send(reaction('reaction_added', message, CAROL, { reaction: 'bookmark' }));
  await eventually(async () => (await pins()).length === 1);
});

test('the "Add to timeline" shortcut pins a message; elsewhere, or on a bot message, it says why not', async () => {
  const { bot, channelId } = await incidentChannel();
  const message = bot.slack.addMessage({
    channel: channelId,
    user: BOB,
    text: 'deploy 42 went out at 09:50',
  });
  const responseUrl = bot.slack.responseUrl('shortcut-1');
  const payload = (channel: string, m: Record<string, unknown>, url: string) =>
    messageShortcutPayload({
      callback_id: 'add_to_timeline',
      user: CAROL,
      channel,
      message_ts: String(m.ts),
      message: m,
      response_url: url,
    });
  const wire = { type: 'message', user: BOB, ts: message.ts, text: message.text };
  expect(
    (await sendShortcut(bot.base, SIGNING_SECRET, payload(channelId, wire, responseUrl))).status,
  ).toBe(200);
  await eventually(async () => (await pins()).length === 1);
  expect((await pins())[0]?.payload).toMatchObject({
    via: 'shortcut',
    authorId: BOB,
    text: message.text,
  });

  // The same message again: already there, and the person is told.
  await sendShortcut(bot.base, SIGNING_SECRET, payload(channelId, wire, responseUrl));
  await eventually(() => bot.slack.responsesTo('shortcut-1').length === 1);
  expect(bot.slack.responsesTo('shortcut-1')[0]).toMatchObject({
    response_type: 'ephemeral',
    text: 'That message is already in the timeline.',
  });

  const outside = bot.slack.responseUrl('shortcut-2');
  await sendShortcut(bot.base, SIGNING_SECRET, payload('C0GENERAL1', wire, outside));
  await eventually(() => bot.slack.responsesTo('shortcut-2').length === 1);
  expect(JSON.stringify(bot.slack.responsesTo('shortcut-2')[0])).toContain('incident channels');

  const fromBot = bot.slack.responseUrl('shortcut-3');
  await sendShortcut(
    bot.base,
    SIGNING_SECRET,
    payload(channelId, { ...wire, ts: '1700000000.000200', bot_id: 'B0GRAFANA1' }, fromBot),
  );
  await eventually(() => bot.slack.responsesTo('shortcut-3').length === 1);
  expect(JSON.stringify(bot.slack.responsesTo('shortcut-3')[0])).toContain(
    'Only messages written by people',
  );
  expect(await pins()).toHaveLength(1);
});
