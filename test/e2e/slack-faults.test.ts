import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { listIncidentRows } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { openDb } from '../../src/store/sqlite.js';
import { type SlackEmulator, startSlackEmulator } from '../emulators/slack.js';
import { eventually, INGEST_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';

let bot: TestApp | undefined;
let proc: BotProcess | undefined;
let slack: SlackEmulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await bot?.stop();
  if (proc && proc.child.exitCode === null) await proc.kill9();
  await slack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  bot = proc = slack = dir = undefined;
});

const alertBody = () => fixture<Record<string, unknown>>('alertmanager/zulip.alert.json');
const CHANNEL = 'inc-1-high-cpu-core-temperature';

test('Slack answering 500 and then 429 while an alert arrives: still 202, and the channel appears exactly once after Slack recovers', async () => {
  bot = await startTestApp();
  bot.slack.failNext('conversations.create', { status: 500 }, 2);
  bot.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
  const res = await bot.post('/webhooks/alertmanager', alertBody());
  expect(res.status).toBe(202);
  expect(await bot.settle(15_000)).toBe(true);
  const channels = [...bot.slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
  expect(channels.map((c) => c.name)).toEqual([CHANNEL]);
  expect(bot.slack.pinnedMessages(channels[0]?.id ?? '')).toHaveLength(1);
  expect(bot.slack.findCalls('conversations.create').filter((c) => c.ok)).toHaveLength(1);
});

test('Slack down for a while: alerts are accepted, and everything is delivered once when it returns', async () => {
  bot = await startTestApp();
  bot.slack.down(true);
  for (let i = 0; i < 3; i++) {
    const res = await bot.post('/webhooks/alerts', {
      dedupeKey: `k${i}`,
      group: `g${i}`,
      title: `Alert ${i}`,
    });
    expect(res.status).toBe(202);
  }
  await new Promise((r) => setTimeout(r, 500));
  expect(bot.slack.state.channels.size).toBe(0);
  bot.slack.down(false);
  expect(await bot.settle(20_000)).toBe(true);
  const names = [...bot.slack.state.channels.values()].map((c) => c.name).sort();
  expect(names).toEqual(['inc-1-alert-0', 'inc-2-alert-1', 'inc-3-alert-2']);
  for (const channel of bot.slack.state.channels.values())
    expect(bot.slack.pinnedMessages(channel.id)).toHaveLength(1);
});

test('a permanent Slack error parks the effect instead of retrying forever, and the next incident still gets its channel', async () => {
  bot = await startTestApp();
  bot.slack.failNext('conversations.create', { error: 'restricted_action' }, 1);
  await bot.post('/webhooks/alerts', { dedupeKey: 'a', group: 'a', title: 'First' });
  await bot.settle(5000);
  await bot.post('/webhooks/alerts', { dedupeKey: 'b', group: 'b', title: 'Second' });
  await bot.settle(5000);
  const rows = await bot.app.store.read((tx) => outboxItems(tx));
  expect(rows.find((r) => r.payload.incidentId === 1)?.status).toBe('failed');
  expect(rows.find((r) => r.payload.incidentId === 1)?.lastError).toMatch(/restricted_action/);
  expect(bot.slack.channelByName('inc-2-second')).toBeDefined();
});

/** A bot process whose Slack answers `method` slowly, after it accepted one Alertmanager notification. */
async function alertWithSlowSlack(method: string) {
  const emulator = await startSlackEmulator();
  slack = emulator;
  dir = mkdtempSync(join(tmpdir(), 'firebreak-crash-'));
  const env = botEnv(emulator.apiUrl, dir);
  emulator.setDelay(method, 1500);
  proc = await startBotProcess(env, await freePort());
  const res = await fetch(`${proc.base}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify(alertBody()),
  });
  expect(res.status).toBe(202);
  return { env, emulator, first: proc };
}

test('killed (kill -9) after the 202 while Slack is still creating the channel: after restart the incident completes exactly once', async () => {
  // Slack takes its time answering conversations.create; the process dies in between.
  const { env, emulator, first } = await alertWithSlowSlack('conversations.create');
  await new Promise((r) => setTimeout(r, 500)); // conversations.create is in flight now
  await first.kill9();
  // Slack finishes creating the channel nobody will hear about.
  await eventually(() => emulator.channelByName(CHANNEL), 5000);
  emulator.setDelay('conversations.create', 0);

  proc = await startBotProcess(env, await freePort());
  const channel = await eventually(() => emulator.channelByName(CHANNEL));
  await eventually(() => emulator.pinnedMessages(channel.id).length === 1, 10_000);
  await proc.terminate();

  // The restarted bot found the name taken by the channel it had created, and adopted it.
  expect(emulator.findCalls('conversations.create').map((c) => c.error ?? 'ok')).toEqual([
    'ok',
    'name_taken',
  ]);
  expect(emulator.findCalls('conversations.list').length).toBeGreaterThan(0);
  const names = [...emulator.state.channels.values()].map((c) => c.name);
  expect(names.filter((n) => n.startsWith('inc-1-'))).toEqual([CHANNEL]);
  const cards = emulator
    .messages(channel.id)
    .filter((m) => JSON.stringify(m.blocks).includes('card_header'));
  expect(cards).toHaveLength(1);
  const { store, close } = openDb(env.DATABASE_PATH);
  expect((await store.read((tx) => listIncidentRows(tx))).map((i) => i.channelId)).toEqual([
    channel.id,
  ]);
  expect((await store.read((tx) => outboxItems(tx))).every((o) => o.status === 'done')).toBe(true);
  close();
}, 60_000);

test('killed while Slack is posting the card: after restart the card is found and updated, never posted twice', async () => {
  const { env, emulator, first } = await alertWithSlowSlack('chat.postMessage');
  const channel = await eventually(() => emulator.channelByName(CHANNEL), 5000);
  await new Promise((r) => setTimeout(r, 400)); // the card's chat.postMessage is in flight
  await first.kill9();
  await eventually(() => emulator.messages(channel.id).length === 1, 5000); // Slack posted it anyway
  emulator.setDelay('chat.postMessage', 0);

  proc = await startBotProcess(env, await freePort());
  await eventually(() => emulator.pinnedMessages(channel.id).length === 1, 10_000);
  await proc.terminate();
  const cards = emulator
    .messages(channel.id)
    .filter((m) => JSON.stringify(m.blocks).includes('card_header'));
  expect(cards).toHaveLength(1);
  expect(emulator.findCalls('conversations.history').length).toBeGreaterThan(0);
}, 60_000);
