import { afterEach, expect, test } from 'vitest';
import { nextWorkingMoment, type OfficeHours, WEEKDAYS } from '../../src/domain/office-hours.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, cardFields, slackDriver } from '../support/slack-driver.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const MIN = 60_000;
// The real clock (Slack signatures use it), moved forward by `skip`. It keeps ticking, so the
// outbox's short retry and refresh delays come due as they would in production.
let skipped = 0;
const clock = () => new Date(Date.now() + skipped);
const skipTo = (at: Date) => {
  skipped = at.getTime() - Date.now();
};

/** Working hours on one day only, two days from now: whatever the hour, now is outside them. */
function hoursTwoDaysAhead(): OfficeHours {
  const day = WEEKDAYS[new Date(clock().getTime() + 2 * 24 * 60 * MIN).getUTCDay()] ?? 'mon';
  return { startMinute: 9 * 60, endMinute: 18 * 60, days: [day], timeZone: 'UTC' };
}

const config = (hours: OfficeHours) => `
incidents:
  reminders: { sev1: 30m, sev3: 30m }
people:
  officeHours: { start: "09:00", end: "18:00", days: [${hours.days.join(', ')}], timeZone: UTC }
`;

async function sweep(bot: TestApp) {
  const job = bot.app.jobs.find((j) => j.name === 'reminders');
  if (!job) throw new Error('no reminders job');
  await job.run();
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
}

const reminders = (bot: TestApp, channel: string) =>
  bot.slack.messages(channel).filter((m) => /status update on INC-\d is due/.test(m.text));

test('a sev3 reminder waits for the owner’s working hours in the zone users.info gives, and the card says when', async () => {
  skipped = 0;
  const hours = hoursTwoDaysAhead();
  bot = await startTestApp({ configYaml: config(hours), app: { now: clock } });
  const as = slackDriver(bot);
  bot.slack.addUser({ id: ALICE, name: 'alice', tz: 'Asia/Tokyo' });
  await as.command('declare sev3 Search results are stale');
  const channel = await as.channelOf(1);

  // Alice's zone comes from users.info, looked up once when she took the incident.
  const due = new Date(clock().getTime() + 30 * MIN);
  const tokyo = nextWorkingMoment(due, hours, 'Asia/Tokyo');
  expect(tokyo).not.toEqual(nextWorkingMoment(due, hours, 'UTC'));
  await eventually(async () => {
    await bot?.app.outbox.drain(5000);
    return bot && cardFields(bot, channel).milestones.includes(`<!date^${tokyo.getTime() / 1000}^`);
  });
  expect(cardFields(bot, channel).milestones).toContain('wait for office hours');
  expect(bot.slack.findCalls('users.info')).toHaveLength(1);

  // Due in 30 minutes by the interval, but outside her hours: nothing is posted.
  skipTo(new Date(due.getTime() + MIN));
  await sweep(bot);
  expect(reminders(bot, channel)).toEqual([]);

  // At the start of her working day it comes, once, and a restart does not repeat it.
  skipTo(tokyo);
  await sweep(bot);
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(1);
  bot = await bot.restart();
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(1);
});

test('a sev1 never waits: its reminder comes when due, whatever the hour', async () => {
  skipped = 0;
  const hours = hoursTwoDaysAhead();
  bot = await startTestApp({ configYaml: config(hours), app: { now: clock } });
  const as = slackDriver(bot);
  bot.slack.addUser({ id: ALICE, name: 'alice', tz: 'Asia/Tokyo' });
  await as.command('declare sev1 Checkout is down');
  const channel = await as.channelOf(1);
  expect(cardFields(bot, channel).milestones).not.toContain('office hours');
  skipTo(new Date(clock().getTime() + 31 * MIN));
  await sweep(bot);
  expect(reminders(bot, channel)).toHaveLength(1);
});
