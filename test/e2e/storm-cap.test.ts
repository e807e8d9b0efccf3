import { afterEach, expect, test } from 'vitest';
import { STORM_GROUP_KEY } from '../../src/incidents/storm.js';
import { listAlerts } from '../../src/store/alerts.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const GROUPS = 1000;
const PER_REQUEST = 250; // the generic webhook takes many groups in one request

const alert = (n: number) => ({
  title: `Disk full on node-${n}`,
  dedupeKey: `disk-${n}`,
  group: `node-${n}`,
  service: `svc-${n}`,
  severity: 'warning',
  status: 'firing',
});

test('1,000 alerts with distinct groups: at most maxNewPerMinute incidents plus one storm incident, every alert stored, the announce channel told', async () => {
  bot = await startTestApp({
    configYaml: 'incidents:\n  announceChannel: C0ANNOUNCE\n  maxNewPerMinute: 10\n',
  });
  bot.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  for (let start = 0; start < GROUPS; start += PER_REQUEST) {
    const batch = Array.from({ length: PER_REQUEST }, (_, i) => alert(start + i));
    const res = await bot.post('/webhooks/alerts', { alerts: batch });
    expect(res.status).toBe(202);
  }
  expect(await bot.settle(30_000)).toBe(true);

  const { store } = bot.app;
  const all = await store.read((tx) => listIncidentRows(tx));
  const storm = all.filter((i) => i.groupKey === STORM_GROUP_KEY);
  expect(storm).toHaveLength(1);
  expect(all).toHaveLength(11);
  expect(await store.read((tx) => listAlerts(tx))).toHaveLength(GROUPS);

  const channels = [...bot.slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
  expect(channels).toHaveLength(11);
  const stormChannel = storm[0]?.channelId ?? '';
  const card = JSON.stringify(bot.slack.pinnedMessages(stormChannel)[0]?.blocks);
  expect(card).toContain('Alert groups gathered here (990)');
  expect(card).toContain('and 975 more');
  expect(card).toContain('990 firing');

  const announced = bot.slack.messages('C0ANNOUNCE').map((m) => m.text);
  expect(announced.filter((t) => t.includes('Alert storm:'))).toHaveLength(2); // the card, the notice
  expect(announced.join('\n')).toContain(
    'more than 10 incidents were opened by alerts within a minute',
  );
}, 60_000);
