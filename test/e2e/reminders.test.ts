import { afterEach, expect, test } from 'vitest';
import { actions, fields, snoozeActionId, views } from '../../src/slack/ids.js';
import { findIncidentRow } from '../../src/store/incidents.js';
import { tryLock, unlock } from '../../src/store/locks.js';
import { list } from '../../src/timeline/timeline.js';
import type { EmulatedMessage } from '../emulators/slack.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, BOB, slackDriver } from '../support/slack-driver.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const MIN = 60_000;
// Starts at the real time (Slack signatures use it) and only moves forward.
let now = Date.now();
const advance = (minutes: number) => {
  now += minutes * MIN;
};

const CONFIG = `
incidents:
  announceChannel: C0ANNOUNCE
  reminders: { sev2: 1h }
  unownedReminder: 10m
`;

async function sweep(bot: TestApp) {
  const job = bot.app.jobs.find((j) => j.name === 'reminders');
  if (!job) throw new Error('no reminders job');
  await job.run();
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
}

const reminders = (bot: TestApp, channel: string) =>
  bot.slack.messages(channel).filter((m) => m.text.includes('status update on INC-1 is due'));

const actionIds = (message: EmulatedMessage | undefined) =>
  ((message?.blocks ?? []) as { elements?: { action_id?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .map((e) => e.action_id);

function buttonValue(message: EmulatedMessage | undefined, actionId: string): string {
  const blocks = (message?.blocks ?? []) as {
    elements?: { action_id?: string; value?: string }[];
  }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId);
  if (!button?.value) throw new Error(`no ${actionId} button`);
  return button.value;
}

test('a due status update is asked of the owner once, survives a restart, snoozes, is answered through the form, and stops at resolve', async () => {
  now = Date.now();
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => new Date(now) } });
  bot.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  let as = slackDriver(bot);
  await as.command('declare sev2 Checkout is slow');
  const channel = await as.channelOf(1);

  advance(59);
  await sweep(bot);
  expect(reminders(bot, channel)).toEqual([]);
  advance(2);
  await sweep(bot);
  await sweep(bot);
  const [reminder] = reminders(bot, channel);
  expect(reminders(bot, channel)).toHaveLength(1);
  expect(reminder?.text).toContain(`<@${ALICE}>, a status update on INC-1 is due`);
  expect(actionIds(reminder)).toEqual([actions.postUpdate, snoozeActionId(30), snoozeActionId(60)]);

  // A restart (same database) neither loses nor repeats it.
  bot = await bot.restart();
  as = slackDriver(bot);
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(1);

  // Snooze 30 min: the reminder is replaced by who snoozed it; a second click changes nothing.
  const snooze = buttonValue(reminder, snoozeActionId(30));
  const first = await as.click(snoozeActionId(30), snooze, { user: BOB, channel });
  expect(await first.reply()).toMatch(
    /<@U0BOB00001> snoozed the status-update reminder for INC-1 for 30 min/,
  );
  expect(first.replies()[0]?.replace_original).toBe(true);
  const again = await as.click(snoozeActionId(60), snooze.replace(':30:', ':60:'), { channel });
  expect(await again.reply()).toMatch(/already snoozed/);
  expect((await bot.app.store.read((tx) => findIncidentRow(tx, 1)))?.nextUpdateDueAt).toEqual(
    new Date(now + 30 * MIN),
  );
  advance(29);
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(1);
  advance(2);
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(2);

  // Post update opens the form; submitting it posts the update and restarts the clock.
  const second = reminders(bot, channel)[1];
  await as.click(actions.postUpdate, buttonValue(second, actions.postUpdate), { channel });
  const modal = await eventually(
    () => as.lastModal()?.callback_id === views.statusUpdate && as.lastModal(),
  );
  const submitted = await as.submit(
    views.statusUpdate,
    { [fields.update]: 'Pool size doubled; latency back to normal' },
    { metadata: JSON.parse(modal.private_metadata ?? '{}') },
  );
  expect(submitted.status).toBe(200);
  await bot.app.outbox.drain();
  for (const where of [channel, 'C0ANNOUNCE'])
    expect(bot.slack.messages(where).some((m) => m.text.includes('Pool size doubled'))).toBe(true);
  expect((await bot.app.store.read((tx) => findIncidentRow(tx, 1)))?.nextUpdateDueAt).toEqual(
    new Date(now + 60 * MIN),
  );

  // Resolved: no more reminders, however long it stays quiet.
  await as.command('resolve Pool size fixed', { channel });
  await as.timelineEntry(1, 'resolved');
  advance(600);
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(2);
  expect(
    (await bot.app.store.read((tx) => list(tx, 1)))
      .map((e) => e.kind)
      .filter((k) => k.startsWith('reminder_')),
  ).toEqual(['reminder_sent', 'reminder_snoozed', 'reminder_sent']);
});

test('an incident nobody owns is called out in its channel and the announce channel, with Take command', async () => {
  now = Date.now();
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => new Date(now) } });
  bot.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  const as = slackDriver(bot);
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'disk',
    title: 'Disk almost full',
    severity: 'warning',
  });
  const channel = await as.channelOf(1);
  advance(11);
  await sweep(bot);
  const callout = (where: string) =>
    bot?.slack.messages(where).find((m) => m.text.includes('has had no owner since'));
  expect(callout(channel)).toBeDefined();
  expect(callout('C0ANNOUNCE')?.text).toContain(`<#${channel}>`);
  const take = buttonValue(callout('C0ANNOUNCE'), actions.takeCommand);
  await as.click(actions.takeCommand, take, { user: BOB, channel: 'C0ANNOUNCE' });
  await as.timelineEntry(1, 'owner_changed');
  advance(30);
  await sweep(bot);
  expect(
    bot.slack.messages(channel).filter((m) => m.text.includes('has had no owner')),
  ).toHaveLength(1);
  expect(
    bot.slack.messages(channel).some((m) => m.text.includes(`<@${BOB}> took command of INC-1`)),
  ).toBe(true);
});

test('a reminders tick runs only under the sweep lock: while another replica holds it, this one posts nothing', async () => {
  now = Date.now();
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => new Date(now) } });
  bot.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  const as = slackDriver(bot);
  await as.command('declare sev2 Checkout is slow');
  const channel = await as.channelOf(1);
  advance(61);

  expect(
    await bot.app.store.tx((tx) => tryLock(tx, 'job:reminders', 'another-replica', 60_000)),
  ).toBe(true);
  await sweep(bot);
  expect(reminders(bot, channel)).toEqual([]);
  // That replica's tick is over: the next tick here sweeps.
  await bot.app.store.tx((tx) => unlock(tx, 'job:reminders', 'another-replica'));
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(1);
});
