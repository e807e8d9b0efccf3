import { createHmac } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { findFollowup } from '../../src/store/followups.js';
import { type JiraEmulator, startJira } from '../emulators/trackers/jira.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { BOB, slackDriver } from '../support/slack-driver.js';

// Follow-ups into Jira Cloud, end to end, against an emulator of REST v3 (ADF descriptions,
// basic auth with e-mail and API token) and signed admin webhooks (X-Hub-Signature).

const EMAIL = 'firebreak@acme.example';
const TOKEN = 'ATATT3xFfGF0-test-token';
const SECRET = 'jira-webhook-secret-0123456789';

let bot: TestApp | undefined;
let jira: JiraEmulator | undefined;
afterEach(async () => {
  await bot?.stop();
  await jira?.close();
  bot = undefined;
  jira = undefined;
});

async function start() {
  jira = await startJira({ email: EMAIL, token: TOKEN, projects: { OPS: ['Task', 'Bug'] } });
  bot = await startTestApp({
    configYaml: `
followups:
  tracker:
    kind: jira
    url: ${jira.url}
    email: ${EMAIL}
    token: \${JIRA_API_TOKEN}
    project: OPS
    issueType: Task
    webhookSecret: \${JIRA_WEBHOOK_SECRET}
`,
    env: { JIRA_API_TOKEN: TOKEN, JIRA_WEBHOOK_SECRET: SECRET },
  });
  const driver = slackDriver(bot);
  await bot.post('/webhooks/alerts', { dedupeKey: 'db', title: 'DB slow', service: 'db' });
  const channelId = await driver.channelOf(1);
  return { bot, jira, driver, channelId };
}

const followup = (app: TestApp, id: number) => app.app.store.read((tx) => findFollowup(tx, id));

/** The recorded issue_updated delivery, about our issue, in a status of `category`. */
function updated(key: string, category: 'done' | 'indeterminate') {
  const payload = fixture<{ issue: { fields: { status: Record<string, unknown> } } }>(
    'jira/issue_updated.status-changed.json',
  );
  const status = payload.issue.fields.status;
  return JSON.stringify({
    ...payload,
    issue: {
      ...payload.issue,
      key,
      fields: {
        ...payload.issue.fields,
        status: {
          ...status,
          name: category === 'done' ? 'Done' : 'In Progress',
          statusCategory: { ...(status.statusCategory as object), key: category },
        },
      },
    },
  });
}

const deliver = (app: TestApp, body: string, secret = SECRET) =>
  fetch(`${app.base}/webhooks/trackers/jira`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });

test('a follow-up becomes one Jira issue with an ADF description; a Done status marks it done', async () => {
  const { bot, jira, driver, channelId } = await start();
  await driver.command(`followup Add an index on orders <@${BOB}|bob>`, { channel: channelId });
  const row = await eventually(async () => {
    const r = await followup(bot, 1);
    return r?.exportState === 'exported' ? r : undefined;
  });
  expect(row).toMatchObject({
    trackerKind: 'jira',
    trackerKey: 'OPS-1',
    trackerUrl: `${jira.url}/browse/OPS-1`,
  });
  const [issue] = jira.issues;
  expect(issue).toMatchObject({ summary: '[INC-1] Add an index on orders', issueType: 'Task' });
  expect(issue?.labels[0]).toMatch(/^firebreak-followup-1-[0-9a-z]+$/);
  const description = JSON.stringify(issue?.description);
  expect(description).toContain('"type":"doc"');
  expect(description).toContain('"text":"bob"');
  expect(description).toContain(`https://slack.com/app_redirect?channel=${channelId}`);
  // Basic auth with e-mail:token, as Atlassian documents for API tokens.
  const create = jira.requests.find((r) => r.path === '/rest/api/3/issue');
  expect(create?.headers.authorization).toBe(
    `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`,
  );
  await eventually(() =>
    bot.slack.messages(channelId).find((m) => String(m.text).includes('/browse/OPS-1')),
  );

  expect((await deliver(bot, updated('OPS-1', 'done'), 'wrong-secret-0123456789')).status).toBe(
    401,
  );
  expect((await followup(bot, 1))?.state).toBe('open');
  const moving = await deliver(bot, updated('OPS-1', 'indeterminate'));
  expect(moving.status).toBe(202);
  expect((await followup(bot, 1))?.state).toBe('open');
  const unknown = await deliver(bot, updated('OPS-77', 'done'));
  expect(await unknown.json()).toEqual({ followupId: null, changed: false });
  // The secret speaks for project OPS only; other events Jira sends are ignored, not refused.
  expect((await deliver(bot, updated('HR-1', 'done'))).status).toBe(403);
  const sprint = JSON.stringify({ webhookEvent: 'sprint_started', sprint: { id: 1 } });
  expect((await deliver(bot, sprint)).status).toBe(202);
  const done = await deliver(bot, updated('OPS-1', 'done'));
  expect(done.status).toBe(200);
  expect(await done.json()).toEqual({ followupId: 1, changed: true });
  expect((await followup(bot, 1))?.state).toBe('done');
});

test('Jira lost the answer after creating (502): the JQL lookup finds the issue; a 400 is shown with Retry', async () => {
  const { bot, jira, driver, channelId } = await start();
  jira.failAfterCreate = 502;
  await driver.command('followup Tune autovacuum', { channel: channelId });
  await eventually(async () => (await followup(bot, 1))?.exportState === 'exported');
  expect(jira.issues).toHaveLength(1);
  const searches = jira.requests.filter((r) => r.path === '/rest/api/3/search/jql');
  expect(searches.length).toBeGreaterThanOrEqual(2);
  expect(String((searches[0]?.json as { jql?: string } | undefined)?.jql)).toMatch(
    /^project = "OPS" AND labels = "firebreak-followup-1-[0-9a-z]+"$/,
  );

  jira.failNextCreate = {
    status: 400,
    body: fixture('jira/create-issue.400.json'),
  };
  await driver.command('followup Second one', { channel: channelId });
  const refused = await eventually(() =>
    bot.slack
      .messages(channelId)
      .find((m) => String(m.text).includes('You must specify a summary of the issue.')),
  );
  expect(String(refused.text)).toContain('Could not create the Jira issue');
  expect(await followup(bot, 2)).toMatchObject({ exportState: 'failed' });
  expect(jira.issues).toHaveLength(1);
});
