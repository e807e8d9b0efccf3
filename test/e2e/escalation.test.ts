import { afterEach, expect, test } from 'vitest';
import { policiesOf } from '../../src/config.js';
import { createEscalation } from '../../src/incidents/escalation.js';
import { actions } from '../../src/slack/ids.js';
import { openDb } from '../../src/store/sqlite.js';
import { list } from '../../src/timeline/timeline.js';
import { API_TOKEN, eventually, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, slackDriver } from '../support/slack-driver.js';

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

const OWNER = 'U0OWNER001';
const SRE = 'U0SRE00001';
const CONFIG = `
services:
  checkout:
    owners: [${OWNER}, S0PAYMENTS]
  payments:
    owners: [${OWNER}]
    pagerduty: { routingKey: "0123456789abcdef0123456789abcdef" }
escalation:
  tiers:
    sev1:
      - { after: 5m, notify: [owners] }
      - { after: 10m, notify: [S0SRE, ${SRE}] }
      - { after: 20m, notify: [here] }
`;

async function start(configYaml = CONFIG) {
  now = Date.now();
  const app = await startTestApp({ configYaml, app: { now: () => new Date(now) } });
  for (const id of [OWNER, SRE]) app.slack.addUser({ id, name: id.toLowerCase() });
  return app;
}

async function sweep(app: TestApp) {
  const job = app.app.jobs.find((j) => j.name === 'escalation');
  if (!job) throw new Error('no escalation job');
  await job.run();
  expect(await app.app.outbox.drain(10_000)).toBe(true);
}

const callouts = (app: TestApp, channel: string) =>
  app.slack.messages(channel).filter((m) => m.text.includes('*Escalation '));
const dms = (app: TestApp, user: string) => {
  const dm = app.slack.channelByName(`dm-${user.toLowerCase()}`);
  return dm ? app.slack.messages(dm.id) : [];
};
/** The card's escalation notice, if it shows one. */
const notice = (app: TestApp, channel: string) => {
  const [card] = app.slack.pinnedMessages(channel);
  const block = (
    card?.blocks as { block_id?: string; elements?: { text: string }[] }[] | undefined
  )?.find((b) => b.block_id === 'card_escalation');
  return block?.elements?.[0]?.text;
};
const kinds = async (app: TestApp, id = 1) =>
  (await app.app.store.read((tx) => list(tx, id)))
    .map((e) => e.kind)
    .filter((k) => k.startsWith('escalation_'));

async function openSev1(app: TestApp, service: string) {
  const res = await app.post('/webhooks/alerts', {
    dedupeKey: `${service}-5xx`,
    title: `5xx on ${service}`,
    severity: 'critical',
    service,
  });
  expect(res.status).toBe(202);
  return slackDriver(app).channelOf(1);
}

test('each tier is called out once at its time, in the channel and by DM; a restart repeats none; acknowledging stops the rest', async () => {
  bot = await start();
  const channel = await openSev1(bot, 'checkout');
  // Said before it happens: the card names when the next tier comes unless someone acknowledges.
  expect(notice(bot, channel)).toContain('the next escalation tier is called out');

  advance(4);
  await sweep(bot);
  expect(callouts(bot, channel)).toEqual([]);

  // Tier 1 (owners) at 5 min: the user is messaged, the group mentioned; swept twice, said once.
  advance(2);
  await sweep(bot);
  await sweep(bot);
  const [first] = callouts(bot, channel);
  expect(callouts(bot, channel)).toHaveLength(1);
  expect(first?.text).toContain('*Escalation 1 of 3:* INC-1');
  expect(first?.text).toContain(`<!subteam^S0PAYMENTS> <@${OWNER}>`);
  expect(first?.text).not.toContain('<!here>');
  expect(dms(bot, OWNER)).toHaveLength(1);
  expect(dms(bot, OWNER)[0]?.text).toContain(`You are called out on *INC-1*`);
  expect(dms(bot, OWNER)[0]?.text).toContain(`<#${channel}>`);

  // A restart (same database) neither loses nor repeats a tier.
  bot = await bot.restart();
  for (const id of [OWNER, SRE]) bot.slack.addUser({ id, name: id.toLowerCase() });
  await sweep(bot);
  expect(callouts(bot, channel)).toHaveLength(1);

  advance(5);
  await sweep(bot);
  expect(callouts(bot, channel)).toHaveLength(2);
  expect(callouts(bot, channel)[1]?.text).toContain(`<!subteam^S0SRE> <@${SRE}>`);
  expect(dms(bot, SRE)).toHaveLength(1);
  expect(dms(bot, OWNER)).toHaveLength(1);

  // Acknowledged: the 20-minute tier never comes.
  const as = slackDriver(bot);
  await as.click(actions.acknowledge, '1', { user: ALICE, channel });
  await as.timelineEntry(1, 'acknowledged');
  await eventually(() => bot && !notice(bot, channel));
  advance(30);
  await sweep(bot);
  expect(callouts(bot, channel)).toHaveLength(2);
  expect(bot.slack.messages(channel).some((m) => m.text.includes('<!here>'))).toBe(false);
  expect(await kinds(bot)).toEqual(['escalation_called', 'escalation_called']);

  const postmortem = await bot.get('/api/v1/incidents/1/postmortem', {
    authorization: `Bearer ${API_TOKEN}`,
  });
  const markdown = await postmortem.text();
  expect(markdown).toContain(
    'Escalation 1 of 3 called out while unacknowledged: group S0PAYMENTS, u0owner001 (@U0OWNER001)',
  );
  expect(markdown).toContain(
    'Escalation 2 of 3 called out while unacknowledged: group S0SRE, u0sre00001 (@U0SRE00001)',
  );
});

test('two sweeps at once, on two connections to the database, call a tier out once', async () => {
  bot = await start();
  const channel = await openSev1(bot, 'checkout');
  advance(21);
  // A second sweeper with its own SQLite connection, as another replica would have.
  const other = openDb(bot.dbPath, { migrate: false });
  try {
    const rival = createEscalation({
      store: other.store,
      now: () => new Date(now),
      kick: () => {},
      policy: policiesOf(bot.config).escalation,
      ownersOf: () => [OWNER],
      pagesThroughPagerDuty: () => false,
    });
    const job = bot.app.jobs.find((j) => j.name === 'escalation');
    const [, theirs] = await Promise.all([job?.run(), rival.sweep(), rival.sweep()]);
    expect(theirs).toBeDefined();
  } finally {
    other.close();
  }
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
  // Every tier was due: each is called out exactly once, whoever swept it.
  expect(await kinds(bot)).toEqual(['escalation_called', 'escalation_called', 'escalation_called']);
  expect(callouts(bot, channel)).toHaveLength(3);
  expect(callouts(bot, channel)[2]?.text).toContain('<!here>');
  expect(dms(bot, OWNER)).toHaveLength(1);
  expect(dms(bot, SRE)).toHaveLength(1);
});

test('a service that pages through PagerDuty: the tiers are PagerDuty’s, said once, nobody called twice', async () => {
  bot = await start();
  const channel = await openSev1(bot, 'payments');
  // Said at once, and the card promises no call-out.
  await eventually(() =>
    bot?.slack.messages(channel).some((m) => m.text.includes("is PagerDuty's")),
  );
  expect(notice(bot, channel)).toBeUndefined();
  advance(6);
  await sweep(bot);
  advance(30);
  await sweep(bot);
  const said = bot.slack.messages(channel).filter((m) => m.text.includes("is PagerDuty's"));
  expect(said).toHaveLength(1);
  expect(said[0]?.text).toContain('payments pages through PagerDuty');
  expect(callouts(bot, channel)).toEqual([]);
  expect(dms(bot, OWNER)).toEqual([]);
  expect(await kinds(bot)).toEqual(['escalation_deferred']);
});

test('raising the severity starts its tiers; a person Slack cannot message holds up nobody; resolving stops the rest', async () => {
  bot = await start(`
services:
  checkout: { owners: [${OWNER}, U0GONE0001] }
escalation:
  tiers:
    sev1:
      - { after: 5m, notify: [owners] }
      - { after: 30m, notify: [channel] }
`);
  const res = await bot.post('/webhooks/alerts', {
    dedupeKey: 'slow',
    title: 'Checkout slow',
    severity: 'warning',
    service: 'checkout',
  });
  expect(res.status).toBe(202);
  const as = slackDriver(bot);
  const channel = await as.channelOf(1);
  advance(6);
  // sev3 has no tiers: nothing is due.
  await sweep(bot);
  expect(callouts(bot, channel)).toEqual([]);

  await as.click(actions.severity, '1:sev1', { user: ALICE, channel, selected: true });
  await as.timelineEntry(1, 'severity_changed');
  await sweep(bot);
  expect(callouts(bot, channel)).toHaveLength(1);
  expect(callouts(bot, channel)[0]?.text).toContain(`<@${OWNER}> <@U0GONE0001>`);
  // U0GONE0001 is not in the workspace: conversations.open fails for good, the others go on.
  expect(dms(bot, OWNER)).toHaveLength(1);
  expect(
    bot.slack.calls.some((c) => c.method === 'conversations.open' && c.error === 'user_not_found'),
  ).toBe(true);

  await as.command('resolve It was the cache', { user: OWNER, channel });
  await as.timelineEntry(1, 'resolved');
  advance(60);
  await sweep(bot);
  expect(callouts(bot, channel)).toHaveLength(1);
  expect(bot.slack.messages(channel).some((m) => m.text.includes('<!channel>'))).toBe(false);
});

test('off by default: without escalation.tiers there is no sweep and nobody is called', async () => {
  bot = await start('services: { checkout: { owners: [U0OWNER001] } }');
  const channel = await openSev1(bot, 'checkout');
  expect(bot.app.jobs.some((j) => j.name === 'escalation')).toBe(false);
  advance(120);
  await bot.settle();
  expect(callouts(bot, channel)).toEqual([]);
  expect(await kinds(bot)).toEqual([]);
});
