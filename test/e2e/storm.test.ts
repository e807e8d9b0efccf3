import { afterEach, expect, test } from 'vitest';
import { listAlerts } from '../../src/store/alerts.js';
import { listInboxDeliveries } from '../../src/store/inbox.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const GROUPS = 50;
const PER_NOTIFICATION = 50;
const NOTIFICATIONS = 200; // 200 × 50 = 10 000 alerts, 4 notifications per group

function notification(n: number) {
  const group = n % GROUPS;
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  return {
    version: '4',
    groupKey: `{}:{alertname="Storm${group}"}`,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: `Storm${group}` },
    commonLabels: { alertname: `Storm${group}`, severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    alerts: Array.from({ length: PER_NOTIFICATION }, (_, i) => ({
      status: 'firing',
      labels: { alertname: `Storm${group}`, severity: 'critical', pod: `pod-${n}-${i}` },
      annotations: { summary: `Storm in group ${group}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com/graph',
      fingerprint: `fp-${n}-${i}`,
    })),
  };
}

test('a storm of 10 000 alerts in 50 groups: exactly 50 incidents and channels, every alert stored, Slack rate limits honoured', async () => {
  // Slack's real per-method limits, on a 2-second "minute" so the test stays short.
  const slack = await startSlackEmulator({ rateLimits: { windowMs: 2000 } });
  bot = await startTestApp({
    slack,
    // The 50 groups arrive at once: lift the cap on new incidents (meant for floods of distinct
    // groups) so each group gets its own incident, and pace channel creation to the 2-second minute.
    configYaml: 'incidents:\n  maxNewPerMinute: 100\n',
    app: {
      outbox: { pollMs: 25, baseDelayMs: 100, maxDelayMs: 2000, rerunDelayMs: 200 },
      slackMinuteMs: 2000,
    },
  });
  const started = Date.now();
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < NOTIFICATIONS) {
        const n = next++;
        statuses.push((await bot?.post('/webhooks/alertmanager', notification(n)))?.status ?? 0);
      }
    }),
  );
  const acceptedMs = Date.now() - started;
  expect(statuses.filter((s) => s === 202)).toHaveLength(NOTIFICATIONS);
  expect(await bot.settle(90_000)).toBe(true);

  const { store } = bot.app;
  expect(
    (await store.read((tx) => listInboxDeliveries(tx))).every((r) => r.status === 'done'),
  ).toBe(true);
  expect(await store.read((tx) => listAlerts(tx))).toHaveLength(
    GROUPS * (NOTIFICATIONS / GROUPS) * PER_NOTIFICATION,
  );
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(GROUPS);
  expect((await store.read((tx) => outboxItems(tx))).filter((o) => o.status === 'failed')).toEqual(
    [],
  );

  const channels = [...slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
  expect(channels).toHaveLength(GROUPS);
  for (const channel of channels) {
    expect(slack.pinnedMessages(channel.id)).toHaveLength(1);
    expect(JSON.stringify(slack.pinnedMessages(channel.id)[0]?.blocks)).toContain('200 firing');
  }

  // Whenever Slack said "slow down", the bot held back that method until Retry-After had passed:
  // the only calls Slack saw inside the window are ones already on the wire when the 429 went
  // out, at most one per outbox lane running at the time (8).
  for (const hit of slack.rateLimited) {
    const inWindow = slack.calls.filter(
      (c) =>
        c.method === hit.method &&
        c.at > hit.at &&
        c.at < hit.at + hit.retryAfter * 1000 - 50 &&
        (hit.method !== 'chat.postMessage' || c.args.channel === hit.channel),
    );
    expect(inWindow.length, `${hit.method} called again within Retry-After`).toBeLessThanOrEqual(8);
  }
  const lastHit = slack.rateLimited.at(-1);
  if (lastHit) {
    // …and it did not keep hammering: once the window passed, calls went through.
    expect(slack.calls.some((c) => c.method === lastHit.method && c.ok && c.at >= lastHit.at)).toBe(
      true,
    );
  }
  console.log(
    `storm: 10 000 alerts accepted in ${acceptedMs} ms; settled in ${Date.now() - started} ms; ` +
      `${slack.calls.length} Slack calls, ${slack.rateLimited.length} answered 429`,
  );
  await slack.close();
}, 120_000);
