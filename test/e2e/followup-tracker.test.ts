import { createHmac } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { findFollowup } from '../../src/store/followups.js';
import { list } from '../../src/timeline/timeline.js';
import {
  type GithubIssuesEmulator,
  startGithubIssues,
} from '../emulators/trackers/github-issues.js';
import { API_TOKEN, eventually, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { freePort } from '../support/net.js';
import { BOB, slackDriver } from '../support/slack-driver.js';

// Follow-ups into GitHub Issues, end to end: the real bot (SQLite, Bolt, WebClient) against the
// Slack emulator and a GitHub Issues emulator that speaks the REST shapes.

const TOKEN = 'ghp_test_tracker_token_0123456789';
const SECRET = 'tracker-webhook-secret-0123456789';
const REPO = 'acme/payments';

let bot: TestApp | undefined;
let github: GithubIssuesEmulator | undefined;
afterEach(async () => {
  await bot?.stop();
  await github?.close();
  bot = undefined;
  github = undefined;
});

const config = (apiUrl: string, { timeout = '10s', serviceTracker = '' } = {}) => `
services:
  checkout:
    aliases: [checkout-api]
${serviceTracker}
followups:
  tracker:
    kind: github
    repo: ${REPO}
    token: \${GH_TRACKER_TOKEN}
    apiUrl: ${apiUrl}
    labels: [incident-followup]
    webhookSecret: \${GH_TRACKER_SECRET}
    timeout: ${timeout}
`;

async function start(options: Parameters<typeof config>[1] = {}) {
  github = await startGithubIssues({ token: TOKEN, repos: [REPO, 'acme/checkout'] });
  bot = await startTestApp({
    configYaml: config(github.url, options).replaceAll('{{api}}', github.url),
    env: { GH_TRACKER_TOKEN: TOKEN, GH_TRACKER_SECRET: SECRET },
  });
  const driver = slackDriver(bot);
  const res = await bot.post('/webhooks/alerts', {
    dedupeKey: 'checkout-5xx',
    title: 'High 5xx on checkout',
    service: 'checkout-api',
    severity: 'critical',
  });
  expect(res.status).toBe(202);
  const channelId = await driver.channelOf(1);
  return { bot, github, driver, channelId };
}

const followup = (app: TestApp, id: number) => app.app.store.read((tx) => findFollowup(tx, id));
const creates = (g: GithubIssuesEmulator) =>
  g.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues'));

/** A GitHub `issues` delivery: the recorded payload, turned into the close of our issue. */
function closedEvent(number: number, repo = 'Acme/Payments', reason = 'completed') {
  const payload = fixture<Record<string, Record<string, unknown>>>(
    'github/issues/reopened.payload.json',
  );
  return JSON.stringify({
    ...payload,
    action: 'closed',
    issue: { ...payload.issue, number, state: 'closed', state_reason: reason },
    repository: { ...payload.repository, full_name: repo },
  });
}

const deliver = (app: TestApp, body: string, secret = SECRET, event = 'issues') =>
  fetch(`${app.base}/webhooks/trackers/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });

test('a follow-up added in Slack becomes one GitHub issue; its link is on the follow-up, in the channel and the postmortem; closing it marks it done', async () => {
  const { bot, github, driver, channelId } = await start();
  const added = await driver.command(`followup Alert on pool saturation <@${BOB}|bob>`, {
    channel: channelId,
  });
  expect(await added.reply()).toContain('Alert on pool saturation');
  await bot.settle();

  const issue = await eventually(() => github.issues[0]);
  expect(github.issues).toHaveLength(1);
  expect(issue.title).toBe('[INC-1] Alert on pool saturation');
  expect(issue.labels).toEqual(['incident-followup']);
  // People by name, and a way back to the incident.
  expect(issue.body).toContain('- **Follow-up owner:** bob\n- **Added by:** alice');
  expect(issue.body).not.toContain(BOB);
  expect(issue.body).toContain(`https://slack.com/app_redirect?channel=${channelId}`);
  expect(issue.body).toMatch(/<!-- firebreak-followup-1-[0-9a-z]+ -->/);
  // The request is the documented one: bearer token, API version header, JSON body.
  const [create] = creates(github);
  expect(create?.headers['x-github-api-version']).toBe('2022-11-28');

  const url = `https://github.com/${REPO}/issues/1`;
  const row = await followup(bot, 1);
  expect(row).toMatchObject({
    exportState: 'exported',
    trackerKind: 'github',
    trackerKey: `${REPO}#1`,
    trackerUrl: url,
  });
  const posted = await eventually(() =>
    bot.slack.messages(channelId).find((m) => String(m.text).includes(url)),
  );
  expect(String(posted.text)).toContain('follow-up *#1*');

  const listed = await driver.command('followup', { channel: channelId });
  expect(await listed.reply()).toContain(`<${url}|${REPO}#1>`);

  const postmortem = await bot.get('/api/v1/incidents/1/postmortem', {
    authorization: `Bearer ${API_TOKEN}`,
  });
  expect(await postmortem.text()).toContain(`— issue [${REPO}\\#1](${url})`);

  // Settling again creates nothing more: exactly one issue per follow-up.
  await bot.settle();
  expect(creates(github)).toHaveLength(1);

  // A forged delivery is refused and changes nothing.
  const forged = await deliver(bot, closedEvent(1), 'not-the-secret-at-all-000');
  expect(forged.status).toBe(401);
  expect((await followup(bot, 1))?.state).toBe('open');
  // An issue firebreak did not create is a 2xx no-op.
  const unknown = await deliver(bot, closedEvent(99));
  expect(unknown.status).toBe(200);
  expect(await unknown.json()).toEqual({ followupId: null, changed: false });
  // Bodies are size-limited (1 MiB) before anything else is read.
  expect((await deliver(bot, `{"pad":"${'x'.repeat(1024 * 1024)}"}`)).status).toBe(413);
  // Not JSON of the right shape: 400.
  expect((await deliver(bot, '{"action":"closed"}')).status).toBe(400);

  // The real close (GitHub spells the repository as it likes: names are case-insensitive).
  const closed = await deliver(bot, closedEvent(1));
  expect(closed.status).toBe(200);
  expect(await closed.json()).toEqual({ followupId: 1, changed: true });
  expect((await followup(bot, 1))?.state).toBe('done');
  const changed = (await bot.app.store.read((tx) => list(tx, 1))).filter(
    (e) => e.kind === 'followup_changed',
  );
  expect(changed.map((e) => [e.actor, e.source])).toEqual([['github:Codertocat', 'github']]);
  const told = await eventually(() =>
    bot.slack.messages(channelId).find((m) => String(m.text).includes('was closed in GitHub')),
  );
  expect(String(told.text)).toContain(
    `<${url}|${REPO}#1> was closed in GitHub by *github:Codertocat*`,
  );
  expect(String(told.text)).toContain('is done ✅');
  // Delivered twice (GitHub redelivers): still done, nothing more recorded.
  expect(await (await deliver(bot, closedEvent(1))).json()).toEqual({
    followupId: 1,
    changed: false,
  });
});

test('GitHub made the issue but the answer was lost (slow past the timeout, or a 502): the retry finds it, no second issue', async () => {
  const { bot, github, driver, channelId } = await start({ timeout: '1s' });
  // Our timeout is 1 s; the emulator answers the create after 2 s.
  github.slowAfterCreateMs = 2000;
  await driver.command('followup First thing', { channel: channelId });
  const first = await eventually(async () => {
    const row = await followup(bot, 1);
    return row?.exportState === 'exported' ? row : undefined;
  }, 15_000);
  expect(first.trackerKey).toBe(`${REPO}#1`);

  github.failAfterCreate = 502;
  await driver.command('followup Second thing', { channel: channelId });
  const second = await eventually(async () => {
    const row = await followup(bot, 2);
    return row?.exportState === 'exported' ? row : undefined;
  }, 15_000);
  expect(second.trackerKey).toBe(`${REPO}#2`);

  expect(github.issues.map((i) => i.title)).toEqual([
    '[INC-1] First thing',
    '[INC-1] Second thing',
  ]);
  expect(creates(github)).toHaveLength(2);
  // Each retry looked before creating, and found its own issue by the marker.
  const lookups = github.requests.filter((r) => r.method === 'GET');
  expect(lookups.length).toBeGreaterThanOrEqual(4);
  expect(lookups[0]?.query.get('state')).toBe('all');
  const exported = (await bot.app.store.read((tx) => list(tx, 1))).filter(
    (e) => e.kind === 'followup_exported',
  );
  expect(exported).toHaveLength(2);
}, 30_000);

test('a 4xx is said in the channel with Retry; Retry after the fix exports it', async () => {
  const { bot, github, driver, channelId } = await start();
  github.failNextCreate = { status: 410, message: 'Issues are disabled for this repo' };
  await driver.command('followup Fix the pool size', { channel: channelId });
  const refused = await eventually(() =>
    bot.slack
      .messages(channelId)
      .find((m) => String(m.text).includes('Issues are disabled for this repo')),
  );
  expect(String(refused.text)).toContain('Could not create the GitHub issue');
  expect(JSON.stringify(refused.blocks)).toContain('followup_export_retry');
  expect(await followup(bot, 1)).toMatchObject({ exportState: 'failed' });
  expect(github.issues).toHaveLength(0);
  // Refused once: not retried by itself.
  await bot.settle();
  expect(creates(github)).toHaveLength(1);

  const retried = await driver.click('followup_export_retry', '1', { channel: channelId });
  expect(retried.status).toBe(200);
  await bot.settle();
  const row = await eventually(async () => {
    const r = await followup(bot, 1);
    return r?.exportState === 'exported' ? r : undefined;
  });
  expect(row.trackerKey).toBe(`${REPO}#1`);
  expect(github.issues).toHaveLength(1);
  const kinds = (await bot.app.store.read((tx) => list(tx, 1)))
    .filter((e) => e.kind.startsWith('followup_export') || e.kind === 'followup_exported')
    .map((e) => e.kind);
  expect(kinds).toEqual([
    'followup_export_requested',
    'followup_export_failed',
    'followup_export_requested',
    'followup_exported',
  ]);
});

test('a 5xx is retried through the outbox until GitHub answers', async () => {
  const { bot, github, driver, channelId } = await start();
  github.failNextCreate = { status: 503, message: 'Service Unavailable' };
  await driver.command('followup Add a canary', { channel: channelId });
  const row = await eventually(async () => {
    const r = await followup(bot, 1);
    return r?.exportState === 'exported' ? r : undefined;
  });
  expect(row.trackerKey).toBe(`${REPO}#1`);
  expect(creates(github)).toHaveLength(2);
  expect(github.issues).toHaveLength(1);
  expect(
    bot.slack.messages(channelId).some((m) => String(m.text).includes('Could not create the')),
  ).toBe(false);
});

test('a service with a tracker of its own overrides the global one; off by default', async () => {
  // Without followups.tracker nothing is exported and nothing is said.
  bot = await startTestApp({ configYaml: 'services:\n  checkout: {}\n' });
  const driver = slackDriver(bot);
  await bot.post('/webhooks/alerts', { dedupeKey: 'a', title: 'A', service: 'checkout' });
  const channelId = await driver.channelOf(1);
  await driver.command('followup Nothing to export', { channel: channelId });
  await bot.settle();
  expect(await followup(bot, 1)).toMatchObject({ exportState: null, trackerKind: null });
  expect((await fetch(`${bot.base}/webhooks/trackers/github`, { method: 'POST' })).status).toBe(
    404,
  );
  await bot.stop();

  bot = undefined;
  const started = await start({
    serviceTracker: `    tracker: { kind: github, repo: acme/checkout, token: ${TOKEN}, apiUrl: '{{api}}' }`,
  });
  await started.driver.command('followup Goes to the service repo', {
    channel: started.channelId,
  });
  const issue = await eventually(() => started.github.issues[0]);
  expect(issue.repo).toBe('acme/checkout');
  expect(await followup(started.bot, 1)).toMatchObject({ trackerKey: 'acme/checkout#1' });

  // The global tracker's secret speaks for its own repo only: it cannot close acme/checkout's
  // issue (that tracker has no secret of its own, so nothing can).
  const crossed = await deliver(started.bot, closedEvent(1, 'acme/checkout'));
  expect(crossed.status).toBe(403);
  expect(await followup(started.bot, 1)).toMatchObject({ state: 'open' });
});

test('a tracker that never answers is retried, and after an hour said in the channel with Retry', async () => {
  // Nothing listens on this port: every try is "could not reach" (transient).
  const deadUrl = `http://127.0.0.1:${await freePort()}`;
  let clock = Date.now();
  bot = await startTestApp({
    configYaml: `followups:\n  tracker: { kind: github, repo: ${REPO}, token: t, apiUrl: "${deadUrl}" }\n`,
    app: { now: () => new Date(clock) },
  });
  const driver = slackDriver(bot);
  await bot.post('/webhooks/alerts', { dedupeKey: 'x', title: 'X', service: 'x' });
  const channelId = await driver.channelOf(1);
  await driver.command('followup Unreachable tracker', { channel: channelId });
  const app = bot;
  const failures = async () =>
    (await app.app.store.read((tx) => list(tx, 1))).filter(
      (e) => e.kind === 'followup_export_failed',
    );
  // Retries for a while: still pending, nothing said.
  await eventually(async () => (await app.app.store.read((tx) => list(tx, 1))).length > 0);
  await new Promise((r) => setTimeout(r, 300));
  expect(await followup(bot, 1)).toMatchObject({ exportState: 'pending' });
  expect(await failures()).toHaveLength(0);

  clock += 61 * 60_000;
  const said = await eventually(() =>
    app.slack.messages(channelId).find((m) => String(m.text).includes('Could not create the')),
  );
  expect(String(said.text)).toContain('could not reach 127.0.0.1');
  expect(String(said.text)).toContain('(tried for 61 min)');
  expect(JSON.stringify(said.blocks)).toContain('followup_export_retry');
  expect(await followup(bot, 1)).toMatchObject({ exportState: 'failed' });
  expect(await failures()).toHaveLength(1);
});
