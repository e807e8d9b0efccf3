import { afterEach, expect, test } from 'vitest';
import { createCatalog } from '../../src/catalog.js';
import { createIncidents } from '../../src/incidents/service.js';
import { askForCause } from '../../src/postmortem/cause.js';
import { loadPostmortemRecord } from '../../src/postmortem/record.js';
import { findIncident } from '../../src/store/incidents.js';
import { list, record } from '../../src/timeline/timeline.js';
import {
  API_TOKEN,
  eventually,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import { insertDeploy, insertRollback, linkSuspect } from '../support/deploy-rows.js';
import {
  blockActionPayload,
  sendBlockAction,
  sendSlashCommand,
  slashCommandFields,
} from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const ANA = 'U0ANA0001';
const BOB = 'U0BOB0001';
const CONFIG = `
services:
  checkout:
    aliases: [checkout-api]
    owners: [${ANA}]
`;

async function incident() {
  bot = await startTestApp({ configYaml: CONFIG });
  bot.slack.addUser({ id: ANA, name: 'ana' });
  bot.slack.addUser({ id: BOB, name: 'bob' });
  const res = await bot.post('/webhooks/alerts', {
    dedupeKey: 'checkout-5xx',
    title: 'High 5xx on checkout',
    service: 'checkout-api',
    severity: 'critical',
    startsAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  });
  expect(res.status).toBe(202);
  const app = bot.app;
  const channelId = await eventually(
    async () => (await app.store.read((tx) => findIncident(tx, 1)))?.channelId,
  );
  await app.outbox.drain(5000);
  return { bot, channelId };
}

function command(text: string, channelId: string, responseId: string, command = '/incident') {
  if (!bot) throw new Error('no bot');
  return sendSlashCommand(
    bot.base,
    SIGNING_SECRET,
    slashCommandFields({
      command,
      text,
      channel_id: channelId,
      user_id: ANA,
      user_name: 'ana',
      response_url: bot.slack.responseUrl(responseId),
    }),
  );
}

const responses = async (id: string, n = 1) => {
  await eventually(() => (bot?.slack.responsesTo(id).length ?? 0) >= n);
  return (bot?.slack.responsesTo(id) ?? []) as Record<string, unknown>[];
};

test('/incident postmortem posts the draft as a Markdown file in the incident channel', async () => {
  const { bot, channelId } = await incident();
  expect((await command('postmortem', channelId, 'pm')).status).toBe(200);
  const file = await eventually(() => bot.slack.files().find((f) => f.completed));
  expect(file.filename).toBe('INC-1-postmortem-draft.md');
  expect(file.channels).toEqual([channelId]);
  expect(file.content).toMatch(/^# INC-1: High 5xx on checkout\n/);
  expect(file.content).toContain('## Timeline');
  expect(file.content).toContain('## Follow-ups');
  const shared = bot.slack.messages(channelId).find((m) => m.subtype === 'file_share');
  expect(shared?.text).toContain('Postmortem draft for INC-1');

  // From another channel, by number: posted in the incident's channel, and the asker is told.
  expect((await command('postmortem INC-1', 'C0GENERAL1', 'pm-elsewhere')).status).toBe(200);
  const [told] = await responses('pm-elsewhere');
  expect(told).toMatchObject({
    response_type: 'ephemeral',
    text: `Posted the INC-1 postmortem draft in <#${channelId}>.`,
  });
  expect(bot.slack.files().filter((f) => f.channels.includes(channelId))).toHaveLength(2);

  await command('postmortem INC-42', channelId, 'pm-unknown');
  const [unknown] = await responses('pm-unknown');
  expect(unknown).toMatchObject({
    response_type: 'ephemeral',
    text: '⚠️ There is no incident INC-42.',
  });
});

test('/incident followup adds, lists and moves follow-ups (buttons and `done <id>`)', async () => {
  const { bot, channelId } = await incident();
  await command(`followup Alert on pool saturation <@${BOB}|bob>`, channelId, 'fu-add');
  const [added] = await responses('fu-add');
  expect(added).toMatchObject({ response_type: 'in_channel' });
  expect(JSON.stringify(added)).toContain(`<@${BOB}>`);
  const followupsOf1 = async () =>
    (await bot.app.store.read((tx) => loadPostmortemRecord(tx, 1))).followups;
  const [row] = await followupsOf1();
  expect(await followupsOf1()).toHaveLength(1);
  expect(row).toMatchObject({
    text: 'Alert on pool saturation',
    ownerId: BOB,
    state: 'open',
  });

  await sendBlockAction(
    bot.base,
    SIGNING_SECRET,
    blockActionPayload({
      user: ANA,
      channel: channelId,
      actions: [{ action_id: 'followup_done', value: String(row?.id) }],
      response_url: bot.slack.responseUrl('fu-done'),
    }),
  );
  const [done] = await responses('fu-done');
  expect(done).toMatchObject({ replace_original: true });
  expect(JSON.stringify(done)).toContain('followup_reopen');
  expect((await followupsOf1())[0]?.state).toBe('done');

  await command('followup wontdo 1', channelId, 'fu-wontdo');
  await responses('fu-wontdo');
  expect((await followupsOf1())[0]?.state).toBe('wont_do');

  await command('followup', channelId, 'fu-list');
  const [listed] = await responses('fu-list');
  expect(listed).toMatchObject({ response_type: 'ephemeral' });
  expect(String(listed?.text)).toContain('~Alert on pool saturation~');

  expect(
    (await bot.app.store.read((tx) => list(tx, 1)))
      .filter((e) => e.kind.startsWith('followup_'))
      .map((e) => e.kind),
  ).toEqual(['followup_added', 'followup_changed', 'followup_changed']);

  await command('followup done 1', 'C0GENERAL1', 'fu-outside');
  const [outside] = await responses('fu-outside');
  expect(String(outside?.text)).toContain('works inside an incident channel');
});

test('resolving asks "Caused by a deploy?" with the suspects; the answer is recorded as structured data', async () => {
  const { bot, channelId } = await incident();
  const store = bot.app.store;
  const deploy = await store.tx((tx) =>
    insertDeploy(tx, {
      source: 'generic',
      dedupeKey: 'generic:deploy-42',
      service: 'checkout',
      serviceKnown: true,
      environment: 'production',
      status: 'succeeded',
      version: 'v42.0.0',
      at: new Date(Date.now() - 10 * 60_000),
      receivedAt: new Date(),
      updatedAt: new Date(),
    }),
  );
  await store.tx((tx) => linkSuspect(tx, 1, deploy.id, 0));

  // Resolving is the incident lifecycle's job (issue 3's buttons); the service is the same.
  const lifecycle = createIncidents({
    store,
    now: () => new Date(),
    catalog: createCatalog({}),
    kick: () => {},
    listeners: [askForCause],
    policy: {
      defaultEnvironment: 'production',
      reminders: {},
      unownedReminderMs: 60_000,
      deployers: [],
      commanders: [],
    },
  });
  await lifecycle.resolve(1, 'rolled back', { id: ANA, source: 'slack' });
  await bot.app.outbox.drain(5000);
  const question = bot.slack
    .messages(channelId)
    .find((m) => m.text.includes('Was it caused by a deploy?'));
  expect(question).toBeDefined();
  const blocksJson = JSON.stringify(question?.blocks);
  expect(blocksJson).toContain('incident_cause_deploy');
  expect(blocksJson).toContain(`"value":"1:${deploy.id}"`);
  expect(blocksJson).toContain('incident_cause_none');

  await sendBlockAction(
    bot.base,
    SIGNING_SECRET,
    blockActionPayload({
      user: BOB,
      channel: channelId,
      message_ts: question?.ts,
      actions: [{ action_id: 'incident_cause_deploy', value: `1:${deploy.id}` }],
      response_url: bot.slack.responseUrl('cause'),
    }),
  );
  const [answer] = await responses('cause');
  expect(answer).toMatchObject({ replace_original: true });
  expect(String(answer?.text)).toContain('caused by the deploy of *checkout* v42.0.0');
  expect((await store.read((tx) => loadPostmortemRecord(tx, 1))).deploys).toMatchObject([
    { deployId: deploy.id, verdict: 'causal', verdictBy: BOB },
  ]);
  expect(
    (await store.read((tx) => list(tx, 1))).find((e) => e.kind === 'cause_recorded')?.payload,
  ).toMatchObject({
    deployId: deploy.id,
    causedByDeploy: true,
    version: 'v42.0.0',
  });
});

test('/incident stats and /deploy stats answer only to the asker, from the record', async () => {
  const { bot, channelId } = await incident();
  const store = bot.app.store;
  const day = 24 * 60 * 60_000;
  const now = Date.now();
  const insert = async (
    id: string,
    at: number,
    extra: Partial<Parameters<typeof insertDeploy>[1]> = {},
  ) =>
    await store.tx((tx) =>
      insertDeploy(tx, {
        source: 'generic',
        dedupeKey: `generic:${id}`,
        service: 'checkout',
        serviceKnown: true,
        environment: 'production',
        status: 'succeeded',
        version: id,
        at: new Date(at),
        finishedAt: new Date(at),
        commitAt: new Date(at - 2 * 60 * 60_000),
        receivedAt: new Date(at),
        updatedAt: new Date(at),
        ...extra,
      }),
    );
  const good = await insert('v40', now - 3 * day);
  const bad = await insert('v41', now - 2 * day);
  await insert('v41-rollback', now - 2 * day + 30 * 60_000, { isRollback: true, commitAt: null });
  await insert('v42', now - day);
  await insert('search-v9', now - day, { service: 'search' });
  await insert('v43-staging', now - day, { environment: 'staging' });
  await insert('v44-failed', now - day, { status: 'failed' });
  await store.tx((tx) =>
    insertRollback(tx, {
      service: 'checkout',
      environment: 'production',
      fromDeployId: bad.id,
      toDeployId: good.id,
      backend: 'command',
      idempotencyKey: 'rb-1',
      status: 'succeeded',
      requestedBy: ANA,
      requestedAt: new Date(now - 2 * day + 10 * 60_000),
      finishedAt: new Date(now - 2 * day + 30 * 60_000),
    }),
  );

  await command('stats checkout 7', channelId, 'deploy-stats', '/deploy');
  const [dora] = await responses('deploy-stats');
  expect(dora).toMatchObject({ response_type: 'ephemeral' });
  const text = String(dora?.text);
  expect(text).toContain('*Deploys of *checkout* to production, last 7 days*');
  expect(text).toContain('4 deploys (1 rollback)');
  expect(text).toContain('median 2 h, mean 2 h (3 of 3 changes)');
  expect(text).toContain('33% (1 of 3 changes caused an incident or were rolled back)');
  expect(text).toContain('*Failed-deploy recovery time:* median 30 min');

  await command('stats 30', channelId, 'incident-stats');
  const [stats] = await responses('incident-stats');
  expect(stats).toMatchObject({ response_type: 'ephemeral' });
  expect(String(stats?.text)).toMatch(/SEV1\s+1\s+1\s+—/);

  await command('stats 9999', channelId, 'bad-days');
  const [bad9999] = await responses('bad-days');
  expect(bad9999).toMatchObject({ text: '⚠️ Pick between 1 and 365 days.' });
});

test('GET /metrics exposes alerts received, open incidents, outbox depth and Slack call results', async () => {
  const { bot } = await incident();
  const res = await bot.get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  expect(text).toContain('firebreak_alerts_received_total{source="generic"} 1');
  expect(text).toContain('firebreak_incidents_open{severity="sev1"} 1');
  expect(text).toContain('firebreak_outbox_pending 0');
  expect(text).toContain('firebreak_outbox_oldest_pending_age_seconds 0');
  expect(text).toContain(
    'firebreak_slack_calls_total{method="conversations.create",outcome="ok"} 1',
  );
  expect(text).toMatch(
    /firebreak_slack_call_duration_seconds_count\{method="chat.postMessage"\} \d+/,
  );
  expect(text).toContain(
    'firebreak_outbox_deliveries_total{kind="incident.publish",outcome="done"}',
  );
  expect(text).toContain('# TYPE firebreak_pagerduty_calls_total counter');

  // Slack down: the outbox backs up, and the gauges say so.
  bot.slack.down();
  await bot.post('/webhooks/alerts', {
    dedupeKey: 'search-slow',
    title: 'Search slow',
    service: 'search',
  });
  await new Promise((r) => setTimeout(r, 200));
  const during = await (await bot.get('/metrics')).text();
  expect(during).toMatch(/firebreak_outbox_pending [1-9]/);
  expect(during).toMatch(
    /firebreak_slack_calls_total\{method="conversations.create",outcome="error"\} [1-9]/,
  );
  bot.slack.down(false);
});

test('the postmortem names people (users.info, cached), keeps their ids beside, and falls back to ids', async () => {
  const { bot, channelId } = await incident();
  const auth = { authorization: `Bearer ${API_TOKEN}` };
  const draft = async () => (await bot.get('/api/v1/incidents/1/postmortem', auth)).text();
  /** A note on INC-1's timeline by `actor`, as the Slack commands would write it. */
  const noteBy = (actor: string) =>
    bot.app.store.tx((tx) =>
      record(
        tx,
        { incidentId: 1, kind: 'note', at: new Date(), actor, source: 'slack', payload: {} },
        new Date(),
      ),
    );
  bot.slack.addUser({ id: 'U0NAME0001', name: '*bold* <!here>' });
  expect((await command('owner <@U0NAME0001|x>', channelId, 'own')).status).toBe(200);
  await eventually(
    async () => (await bot.app.store.read((tx) => findIncident(tx, 1)))?.ownerId === 'U0NAME0001',
  );
  const first = await draft();
  expect(first).toContain('| Owner | \\*bold\\* \\<\\!here\\> (@U0NAME0001) |');
  expect(first).toContain('ana (@U0ANA0001)');
  // The read API names the owner too, unescaped (JSON), with the id beside.
  const one = (await (await bot.get('/api/v1/incidents/1', auth)).json()) as object;
  expect(one).toMatchObject({ owner: 'U0NAME0001', ownerName: '*bold* <!here>' });
  const all = (await (await bot.get('/api/v1/incidents', auth)).json()) as { incidents: object[] };
  expect(all.incidents[0]).toMatchObject({ owner: 'U0NAME0001', ownerName: '*bold* <!here>' });
  const lookups = bot.slack.findCalls('users.info').length;
  expect(lookups).toBeGreaterThan(0);
  // Cached: asking again does not call Slack again.
  await draft();
  expect(bot.slack.findCalls('users.info')).toHaveLength(lookups);
  // Someone Slack does not know (or a failing users.info) is shown by id, and the draft comes.
  await noteBy('U0GONE0001');
  expect(await draft()).toContain('@U0GONE0001');
  // A Slack that hangs does not hold the draft up: after the lookup budget (2 s) it comes, by id.
  bot.slack.addUser({ id: 'U0SLOW0001', name: 'slow' });
  bot.slack.setDelay('users.info', 10_000);
  await noteBy('U0SLOW0001');
  const started = Date.now();
  const slow = await draft();
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(slow).toContain('@U0SLOW0001');
  expect(slow).not.toContain('slow (@U0SLOW0001)');
  bot.slack.setDelay('users.info', 0);
});
