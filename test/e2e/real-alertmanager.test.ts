import { afterEach, expect, test } from 'vitest';
import { listAlerts } from '../../src/store/alerts.js';
import { findIncident } from '../../src/store/incidents.js';
import { type RunningAlertmanager, startAlertmanager } from '../support/alertmanager.js';
import { eventually, INGEST_TOKEN, startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp | undefined;
let am: RunningAlertmanager | undefined;
afterEach(async () => {
  await am?.stop();
  await bot?.stop();
  am = bot = undefined;
});

const alert = (instance: string, startsAt: string, endsAt?: string) => ({
  labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical', instance },
  annotations: {
    summary: 'High 5xx error rate on checkout',
    description: `5xx ratio high on ${instance}`,
  },
  startsAt,
  ...(endsAt ? { endsAt } : {}),
  generatorURL: 'http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29',
});

test('a real Alertmanager delivers two alerts of one group → one channel with a card; resolving them updates the card', async () => {
  bot = await startTestApp({ configYaml: 'services:\n  checkout:\n    owners: [U0OWNER01]\n' });
  am = await startAlertmanager({
    dir: bot.dir,
    webhookUrl: `${bot.base}/webhooks/alertmanager`,
    bearerToken: INGEST_TOKEN,
  });
  const start = new Date().toISOString();
  await am.postAlerts([alert('checkout-1:8080', start), alert('checkout-2:8080', start)]);

  const { slack } = bot;
  const channel = await eventually(
    () => slack.channelByName('inc-1-high-5xx-error-rate-on-checkout'),
    20_000,
  );
  const card = await eventually(() => slack.pinnedMessages(channel.id)[0], 10_000);
  await eventually(
    () => JSON.stringify(slack.pinnedMessages(channel.id)[0]?.blocks).includes('2 firing'),
    10_000,
  );
  expect(card.text).toContain('SEV1');
  expect(await bot.app.store.read((tx) => findIncident(tx, 1))).toMatchObject({
    state: 'triage',
    ownerId: 'U0OWNER01',
    services: ['checkout'],
  });

  const end = new Date().toISOString();
  await am.postAlerts([alert('checkout-1:8080', start, end), alert('checkout-2:8080', start, end)]);
  await eventually(
    () => JSON.stringify(slack.pinnedMessages(channel.id)[0]?.blocks).includes('2 resolved'),
    20_000,
  );
  expect((await bot.app.store.read((tx) => listAlerts(tx))).map((a) => a.status)).toEqual([
    'resolved',
    'resolved',
  ]);
  expect(slack.findCalls('conversations.create')).toHaveLength(1);
  expect(slack.pinnedMessages(channel.id)).toHaveLength(1);
}, 60_000);
