import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { allAlertFreezes } from '../../src/store/alert-freezes.js';
import { allFreezes } from '../../src/store/freezes.js';
import { AUDIT_STREAM } from '../../src/timeline/timeline.js';
import { API_TOKEN, eventually, startTestApp, type TestApp } from '../support/app.js';

// deploys.freezeOnAlerts through the real webhook routes, with the recorded payloads in
// test/fixtures as the base, the real SQLite file, and the Slack emulator for the announcements.

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = `
services:
  checkout:
    aliases: [checkout-api]
    environments: { production: {}, staging: {} }
deploys:
  freezeMax: 8h
  freezeOnAlerts:
    - { alertname: ErrorBudgetExhausted }
  freezeOnAlertsMinFreeze: 1h
`;

const fixture = (path: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures', path), 'utf8'));

const BUDGET_LABELS = {
  alertname: 'ErrorBudgetExhausted',
  service: 'checkout-api',
  environment: 'production',
  severity: 'warning',
  sloth_slo: 'requests-availability',
};

/** Alertmanager's webhook (version 4), from the recorded payload, with one budget alert. */
function alertmanager(status: 'firing' | 'resolved') {
  const body = fixture('alertmanager/zulip.alert.json');
  const [first] = body.alerts;
  body.status = status;
  body.groupKey = '{}:{alertname="ErrorBudgetExhausted"}';
  body.commonLabels = BUDGET_LABELS;
  body.groupLabels = { alertname: 'ErrorBudgetExhausted' };
  body.alerts = [
    {
      ...first,
      status,
      labels: BUDGET_LABELS,
      annotations: { summary: 'checkout burnt its error budget' },
      fingerprint: 'b0d9e7a1c2f3e4d5',
      endsAt: status === 'resolved' ? '2026-11-22T10:20:00Z' : '0001-01-01T00:00:00Z',
    },
  ];
  return body;
}

/** Grafana's webhook, from the documented example, with one budget alert. */
function grafana(status: 'firing' | 'resolved') {
  const body = fixture('grafana/grafana-docs.webhook-notifier.example.json');
  const [first] = body.alerts;
  body.status = status;
  body.alerts = [
    {
      ...first,
      status,
      labels: { ...BUDGET_LABELS, service: 'checkout' },
      fingerprint: 'ab12cd34ef56ab78',
    },
  ];
  body.commonLabels = BUDGET_LABELS;
  return body;
}

const generic = (status: 'firing' | 'resolved') => ({
  dedupeKey: 'checkout-budget',
  status,
  title: 'ErrorBudgetExhausted',
  service: 'checkout',
  environment: 'production',
  severity: 'warning',
});

const gate = async (b: TestApp, environment = 'production') => {
  const res = await b.get(`/api/v1/gates/deploy?service=checkout&environment=${environment}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const channelOf = (b: TestApp, incidentId: number) =>
  (
    b.app.sqlite.prepare('SELECT channel_id FROM incidents WHERE id = ?').get(incidentId) as {
      channel_id: string | null;
    }
  ).channel_id;

/**
 * Applies what the webhooks accepted, and gives the outbox a moment. Not TestApp.settle(): with
 * the clock stopped, a card refresh deferred by a few (injected) milliseconds is never due.
 */
async function settle(b: TestApp | undefined) {
  await b?.app.inbox.drain(5000);
  await b?.app.outbox.drain(300);
}

const kinds = (b: TestApp, stream: string) =>
  (
    b.app.sqlite
      .prepare('SELECT kind FROM timeline_events WHERE stream = ? ORDER BY seq')
      .all(stream) as { kind: string }[]
  ).map((e) => e.kind);

test('Alertmanager: a firing budget alert freezes, repeats do not stack, an early resolve lifts at minFreeze, across a restart', async () => {
  let clock = new Date('2026-11-22T10:00:00Z');
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => clock } });
  // Two notifications at once (two Alertmanager replicas): one freeze.
  const both = await Promise.all([
    bot.post('/webhooks/alertmanager', alertmanager('firing')),
    bot.post('/webhooks/alertmanager', alertmanager('firing')),
  ]);
  expect(both.map((r) => r.status)).toEqual([202, 202]);
  await settle(bot);

  expect(await bot.app.store.read((tx) => allFreezes(tx))).toHaveLength(1);
  const [freeze] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(freeze).toMatchObject({
    services: ['checkout'],
    environments: ['production'],
    createdBy: 'alertmanager',
    blocksRollbacks: false,
    incidentId: 1,
    liftedAt: null,
  });
  expect(freeze?.reason).toMatch(/^error budget exhausted: ErrorBudgetExhausted is firing/);
  const frozen = await gate(bot);
  expect(frozen.status).toBe(423);
  expect(frozen.body.reason).toBe(freeze?.reason);
  expect(frozen.body.freezes).toMatchObject([{ blocksRollbacks: false }]);
  // Only the alert's service and environment.
  expect((await gate(bot, 'staging')).status).toBe(200);

  const channel = await eventually(() => channelOf(bot as TestApp, 1));
  const created = await eventually(() =>
    bot?.slack
      .messages(channel)
      .find((m) => m.text.includes('Deploys of checkout × production frozen')),
  );
  expect(created.text).toContain('error budget exhausted');

  // Alertmanager repeats the notification: still one freeze.
  clock = new Date('2026-11-22T10:10:00Z');
  expect((await bot.post('/webhooks/alertmanager', alertmanager('firing'))).status).toBe(202);
  await settle(bot);
  expect(await bot.app.store.read((tx) => allFreezes(tx))).toHaveLength(1);

  // Resolved after 20 minutes: the freeze holds until 11:00 (minFreeze 1h), stored as its expiry.
  clock = new Date('2026-11-22T10:20:00Z');
  expect((await bot.post('/webhooks/alertmanager', alertmanager('resolved'))).status).toBe(202);
  await settle(bot);
  const [held] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(held?.liftedAt).toBeNull();
  expect(held?.expiresAt.toISOString()).toBe('2026-11-22T11:00:00.000Z');
  expect((await gate(bot)).status).toBe(423);
  const early = await eventually(() =>
    bot?.slack.messages(channel).find((m) => m.text.includes('ErrorBudgetExhausted resolved')),
  );
  expect(early.text).toContain('lifts at');
  // A repeated resolve changes nothing.
  expect((await bot.post('/webhooks/alertmanager', alertmanager('resolved'))).status).toBe(202);
  await settle(bot);
  expect(kinds(bot, AUDIT_STREAM)).toEqual(['freeze_created', 'freeze_rescheduled']);

  // Down across 11:00; the sweep after the restart lifts it once, at the hysteresis time.
  bot = await bot.restart();
  const sweep = () => bot?.app.jobs.find((j) => j.name === 'freeze-expiry')?.run();
  clock = new Date('2026-11-22T10:59:00Z');
  await sweep();
  expect((await gate(bot)).status).toBe(423);
  clock = new Date('2026-11-22T11:05:00Z');
  await sweep();
  await sweep();
  const [lifted] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(lifted).toMatchObject({ liftedBy: 'expired' });
  expect(lifted?.liftedAt?.toISOString()).toBe('2026-11-22T11:00:00.000Z');
  expect((await gate(bot)).status).toBe(200);
  await eventually(() => bot?.slack.messages(channel).some((m) => m.text.includes('expired')));
  await settle(bot);
  expect(bot.slack.messages(channel).filter((m) => m.text.includes('expired'))).toHaveLength(1);
  expect(kinds(bot, AUDIT_STREAM)).toEqual([
    'freeze_created',
    'freeze_rescheduled',
    'freeze_expired',
  ]);
  // The incident's own record has the same three, for its postmortem.
  expect(kinds(bot, 'incident:1').filter((k) => k.startsWith('freeze_'))).toEqual([
    'freeze_created',
    'freeze_rescheduled',
    'freeze_expired',
  ]);
  const postmortem = await (
    await bot.get('/api/v1/incidents/1/postmortem', { authorization: `Bearer ${API_TOKEN}` })
  ).text();
  expect(postmortem).toContain('Deploy freeze created (checkout): error budget exhausted');
  expect(postmortem).toContain(
    'Deploy freeze #1 lifts at 2026-11-22 11:00:00: ErrorBudgetExhausted resolved before the minimum freeze',
  );
  expect(postmortem).toContain('Deploy freeze expired (checkout)');
});

test('Grafana: a resolve after minFreeze lifts the freeze at once, named after the sender', async () => {
  let clock = new Date('2026-11-22T10:00:00Z');
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => clock } });
  expect((await bot.post('/webhooks/grafana', grafana('firing'))).status).toBe(202);
  await settle(bot);
  expect((await gate(bot)).status).toBe(423);
  const [freeze] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(freeze).toMatchObject({ createdBy: 'grafana', services: ['checkout'] });

  clock = new Date('2026-11-22T12:00:00Z');
  expect((await bot.post('/webhooks/grafana', grafana('resolved'))).status).toBe(202);
  await settle(bot);
  const [lifted] = await bot.app.store.read((tx) => allFreezes(tx));
  expect(lifted).toMatchObject({ liftedBy: 'grafana' });
  expect(lifted?.liftedAt?.toISOString()).toBe('2026-11-22T12:00:00.000Z');
  expect((await gate(bot)).status).toBe(200);
  const channel = await eventually(() => channelOf(bot as TestApp, 1));
  await eventually(() =>
    bot?.slack.messages(channel).some((m) => m.text.includes('lifted freeze #1')),
  );
  expect(kinds(bot, AUDIT_STREAM)).toEqual(['freeze_created', 'freeze_lifted']);
});

test('generic alerts: the title stands in for alertname; firing again inside the hysteresis holds the same freeze', async () => {
  let clock = new Date('2026-11-22T10:00:00Z');
  bot = await startTestApp({ configYaml: CONFIG, app: { now: () => clock } });
  const send = async (status: 'firing' | 'resolved') => {
    expect((await bot?.post('/webhooks/alerts', generic(status)))?.status).toBe(202);
    await settle(bot);
  };
  await send('firing');
  expect((await gate(bot)).status).toBe(423);

  clock = new Date('2026-11-22T10:10:00Z');
  await send('resolved');
  clock = new Date('2026-11-22T10:20:00Z');
  await send('firing');
  const rows = await bot.app.store.read((tx) => allFreezes(tx));
  expect(rows).toHaveLength(1);
  // Held again for freezeMax (8h) from the new firing, until it resolves.
  expect(rows[0]?.expiresAt.toISOString()).toBe('2026-11-22T18:20:00.000Z');
  const [link] = await bot.app.store.read((tx) => allAlertFreezes(tx));
  expect(link).toMatchObject({ alertRef: 'generic:checkout-budget', resolvedAt: null });
  const channel = await eventually(() => channelOf(bot as TestApp, 1));
  await eventually(() =>
    bot?.slack.messages(channel).some((m) => m.text.includes('is firing again')),
  );

  clock = new Date('2026-11-22T11:30:00Z');
  await send('resolved');
  expect((await bot.app.store.read((tx) => allFreezes(tx)))[0]).toMatchObject({
    liftedBy: 'generic',
  });
  expect((await gate(bot)).status).toBe(200);
  expect(kinds(bot, AUDIT_STREAM)).toEqual([
    'freeze_created',
    'freeze_rescheduled',
    'freeze_rescheduled',
    'freeze_lifted',
  ]);
});

test('off by default, and other alerts never freeze', async () => {
  bot = await startTestApp({
    configYaml: 'services:\n  checkout:\n    environments: { production: {} }\n',
  });
  await bot.post('/webhooks/alertmanager', alertmanager('firing'));
  await settle(bot);
  expect(await bot.app.store.read((tx) => allFreezes(tx))).toHaveLength(0);
  await bot.stop();

  bot = await startTestApp({ configYaml: CONFIG });
  await bot.post('/webhooks/alerts', { ...generic('firing'), title: 'High latency' });
  // A matching alert without any service label has nothing to freeze.
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'no-service',
    status: 'firing',
    title: 'ErrorBudgetExhausted',
  });
  await settle(bot);
  expect(await bot.app.store.read((tx) => allFreezes(tx))).toHaveLength(0);
  expect((await gate(bot)).status).toBe(200);
});
