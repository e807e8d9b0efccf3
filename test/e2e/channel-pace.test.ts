import { afterEach, expect, test } from 'vitest';
import { listIncidentRows } from '../../src/store/incidents.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const WINDOW_MS = 2000; // Slack's minute, shrunk (the emulator and the bot agree on it)
const INCIDENTS = 30;

const notification = (n: number) => ({
  version: '4',
  groupKey: `{}:{alertname="Pace${n}"}`,
  status: 'firing',
  receiver: 'firebreak',
  groupLabels: { alertname: `Pace${n}` },
  commonLabels: { alertname: `Pace${n}` },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.example.com',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: `Pace${n}`, severity: 'critical' },
      annotations: { summary: `Pace ${n}` },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: `pace-${n}`,
    },
  ],
});

test('many incidents at once: conversations.create (and the topic, the pin) stay inside Slack Tier 2 (20 per minute) across all outbox lanes, never a 429', async () => {
  const slack = await startSlackEmulator({ rateLimits: { windowMs: WINDOW_MS } });
  bot = await startTestApp({
    slack,
    configYaml: 'incidents:\n  maxNewPerMinute: 1000\n',
    app: {
      outbox: { pollMs: 25, baseDelayMs: 50, maxDelayMs: 500, rerunDelayMs: 50, concurrency: 8 },
      slackMinuteMs: WINDOW_MS,
    },
  });
  const statuses = await Promise.all(
    Array.from({ length: INCIDENTS }, async (_, n) => {
      const res = await bot?.post('/webhooks/alertmanager', notification(n));
      return res?.status;
    }),
  );
  expect(statuses.every((s) => s === 202)).toBe(true);
  expect(await bot.settle(30_000)).toBe(true);

  expect(await bot.app.store.read((tx) => listIncidentRows(tx))).toHaveLength(INCIDENTS);
  const creates = slack.findCalls('conversations.create');
  expect(creates.filter((c) => c.ok)).toHaveLength(INCIDENTS);
  // Slack never had to say "slow down" to conversations.create (nor to the other Tier 2 calls
  // each new incident makes: the topic and the pinned card)…
  const tier2 = ['conversations.create', 'conversations.setTopic', 'pins.add'];
  expect(
    slack.rateLimited.filter((h) => tier2.includes(h.method)).map((h) => [h.method, h.at]),
  ).toEqual([]);
  expect(slack.findCalls('pins.add').filter((c) => c.ok)).toHaveLength(INCIDENTS);
  expect(creates.filter((c) => !c.ok)).toEqual([]);
  // …because at no point did more than 20 calls fall inside one window.
  for (const call of creates) {
    const inWindow = creates.filter((c) => c.at >= call.at && c.at < call.at + WINDOW_MS);
    expect(inWindow.length).toBeLessThanOrEqual(20);
  }
  await slack.close();
}, 60_000);
