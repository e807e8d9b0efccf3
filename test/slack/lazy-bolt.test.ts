import type { App } from '@slack/bolt';
import { afterEach, expect, test } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { slackDriver } from '../support/slack-driver.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

test('in HTTP mode the bot is ready before Bolt is built; the first Slack request builds it, once', async () => {
  const built: App[] = [];
  bot = await startTestApp({ app: { onSlackApp: (app) => void built.push(app) } });
  expect((await fetch(`${bot.base}/readyz`)).status).toBe(200);
  // Alerts are taken without Bolt.
  const alert = await bot.post('/webhooks/alerts', { dedupeKey: 'k1', title: 'Disk full' });
  expect(alert.status).toBe(202);
  expect(built).toHaveLength(0);

  const as = slackDriver(bot);
  const [first, second] = await Promise.all([as.command('help'), as.command('list')]);
  expect(first.status).toBe(200);
  expect(second.status).toBe(200);
  expect(await first.reply()).toMatch(/\/incident/);
  expect(await second.reply()).toMatch(/1 open incident/);
  expect(built).toHaveLength(1);
  expect(await bot.app.slackApp()).toBe(built[0]);
});
