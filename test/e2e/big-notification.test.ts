import { afterEach, expect, test } from 'vitest';
import { ALERT_BODY_LIMIT, ALERT_KEEP_BYTES } from '../../src/http/alerts.js';
import { listAlerts } from '../../src/store/alerts.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

/** A real-format Alertmanager notification of `n` alerts shaped like the real fixture's. */
function notification(n: number, extra: Record<string, unknown> = {}) {
  const body = fixture<Record<string, unknown>>('alertmanager/zulip.alert.json');
  const [shape] = body.alerts as Record<string, unknown>[];
  return {
    ...body,
    ...extra,
    alerts: Array.from({ length: n }, (_, i) => ({
      ...shape,
      labels: { ...(shape?.labels as object), host: `host-${i}` },
      fingerprint: `f${String(i).padStart(15, '0')}`,
    })),
  };
}

test('a real-size notification of 3,000 alerts (over the old 1 MiB) is accepted whole', async () => {
  bot = await startTestApp();
  const text = JSON.stringify(notification(3000));
  expect(text.length).toBeGreaterThan(1024 * 1024);
  const res = await bot.post('/webhooks/alertmanager', text);
  expect(res.status).toBe(202);
  expect(await res.json()).toMatchObject({ accepted: 3000 });
  expect(await bot.settle(20_000)).toBe(true);
  expect(await bot.app.store.read((tx) => listAlerts(tx))).toHaveLength(3000);
}, 60_000);

test('a notification over the keep limit opens its incident and says how many alerts were cut', async () => {
  bot = await startTestApp();
  // Alertmanager itself already cut 500 (max_alerts), and the body is still over the keep limit.
  const text = JSON.stringify(notification(19_000, { truncatedAlerts: 500 }));
  expect(text.length).toBeGreaterThan(ALERT_KEEP_BYTES);
  expect(text.length).toBeLessThan(ALERT_BODY_LIMIT);
  const res = await bot.post('/webhooks/alertmanager', text);
  expect(res.status).toBe(202);
  const answer = (await res.json()) as { accepted: number; cut: number };
  expect(answer.accepted + answer.cut).toBe(19_500);
  expect(answer.cut).toBeGreaterThan(500);
  expect(await bot.settle(60_000)).toBe(true);

  const { store } = bot.app;
  expect(await store.read((tx) => listIncidentRows(tx))).toHaveLength(1);
  expect(await store.read((tx) => listAlerts(tx))).toHaveLength(answer.accepted);
  const [incident] = await store.read((tx) => listIncidentRows(tx));
  const card = await eventually(() => bot?.slack.pinnedMessages(incident?.channelId ?? '')[0]);
  expect(JSON.stringify(card.blocks)).toContain(`${answer.cut} alerts were cut`);
  const cutEvents = (await store.read((tx) => list(tx, incident?.id ?? 0))).filter(
    (e) => e.kind === 'alerts_cut',
  );
  expect(cutEvents.map((e) => e.payload.cut)).toEqual([answer.cut]);
}, 120_000);
