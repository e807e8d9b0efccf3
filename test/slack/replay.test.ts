import { afterAll, beforeAll, expect, test } from 'vitest';
import { listDeliveries } from '../../src/store/deliveries.js';
import { list } from '../../src/timeline/timeline.js';
import { eventually, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, type SlackDriver, slackDriver } from '../support/slack-driver.js';
import { sendSlashCommand, slashCommandFields } from '../support/slack-requests.js';

// A captured Slack request, sent again inside Bolt's 5-minute window, must not act again.

let bot: TestApp;
let as: SlackDriver;
let incident: { id: number; channel: string };
beforeAll(async () => {
  bot = await startTestApp();
  as = slackDriver(bot);
  const reply = await (await as.command('declare sev2 Replays')).reply();
  const id = Number(/INC-(\d+)/.exec(reply)?.[1]);
  incident = { id, channel: await as.channelOf(id) };
});
afterAll(() => bot.stop());

const notes = async (text: string) =>
  (await bot.app.store.read((tx) => list(tx, incident.id))).filter(
    (e) => e.kind === 'note' && JSON.stringify(e.payload).includes(text),
  ).length;

/** One `/incident note <text>` in the incident channel: the exact fields Slack would sign. */
const noteCommand = (text: string) =>
  slashCommandFields({
    text: `note ${text}`,
    user_id: ALICE,
    channel_id: incident.channel,
    response_url: bot.slack.responseUrl(),
    trigger_id: bot.slack.triggerId(),
  });

const now = () => Math.floor(Date.now() / 1000);

test('the same signed slash command sent three times acts once; the copies get 401', async () => {
  const fields = noteCommand('replayed note');
  const timestamp = now();
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++)
    statuses.push((await sendSlashCommand(bot.base, SIGNING_SECRET, fields, { timestamp })).status);
  expect(statuses).toEqual([200, 401, 401]);
  await eventually(async () => (await notes('replayed note')) === 1);
  await bot.settle();
  expect(await notes('replayed note')).toBe(1);

  // The same words typed again are a new request (new timestamp, new trigger): that one counts.
  const again = await sendSlashCommand(bot.base, SIGNING_SECRET, noteCommand('replayed note'), {
    timestamp: timestamp + 1,
  });
  expect(again.status).toBe(200);
  await eventually(async () => (await notes('replayed note')) === 2);
});

test('a replay is refused after a restart too: the signatures are in SQLite', async () => {
  const fields = noteCommand('before the restart');
  const timestamp = now();
  expect((await sendSlashCommand(bot.base, SIGNING_SECRET, fields, { timestamp })).status).toBe(
    200,
  );
  await eventually(async () => (await notes('before the restart')) === 1);
  bot = await bot.restart();
  const replay = await sendSlashCommand(bot.base, SIGNING_SECRET, fields, { timestamp });
  expect(replay.status).toBe(401);
  expect(replay.headers.get('x-slack-no-retry')).toBe('1');
  await bot.settle();
  expect(await notes('before the restart')).toBe(1);
});

test('a timestamp more than 5 minutes ahead is refused (Bolt only checks the past)', async () => {
  const ahead = await sendSlashCommand(bot.base, SIGNING_SECRET, noteCommand('from the future'), {
    timestamp: now() + 10 * 60,
  });
  expect(ahead.status).toBe(401);
  expect(ahead.json()).toEqual({
    error: 'x-slack-request-timestamp is more than 5 minutes in the future',
  });
  // A clock a little ahead is fine, as it is for Bolt behind.
  const skewed = await sendSlashCommand(bot.base, SIGNING_SECRET, noteCommand('slightly ahead'), {
    timestamp: now() + 60,
  });
  expect(skewed.status).toBe(200);
  await eventually(async () => (await notes('slightly ahead')) === 1);
  await bot.settle();
  expect(await notes('from the future')).toBe(0);
});

test('a wrongly signed request is not remembered, so forgeries cannot fill the table', async () => {
  const remembered = async () =>
    (await bot.app.store.read((tx) => listDeliveries(tx, 'slack-request'))).length;
  const before = await remembered();
  for (let i = 0; i < 3; i++) {
    const forged = await sendSlashCommand(bot.base, 'not-the-secret', noteCommand('forged'));
    expect(forged.status).toBe(401);
  }
  expect(await remembered()).toBe(before);
});
