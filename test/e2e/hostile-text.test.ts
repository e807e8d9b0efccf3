// A hostile sender puts Slack markup into everything it can: alert titles, labels and URLs,
// deploy versions, authors and links, PagerDuty titles and names, a rollback backend's error.
// Whatever it sends, nothing the bot says in Slack may notify @channel, mention anyone, or link
// anywhere but where the bot itself means to link. People's own mentions keep working.
import { createHmac } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import {
  type RollbackReceiver,
  startRollbackReceiver,
} from '../emulators/deploy/rollback-receiver.js';
import {
  buildWebhookEvent,
  DEFAULT_PAGERDUTY_TOKEN,
  deliverWebhook,
  type PagerDutyEmulator,
  type PdReference,
  startPagerDutyEmulator,
} from '../emulators/pagerduty.js';
import { eventually, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { buttons, click, deployCommand } from '../support/deploys.js';
import { fixtureText } from '../support/fixtures.js';
import { everythingSaid, type MarkupRules, unsafeMarkup } from '../support/slack-markup.js';
import { sendSlashCommand, slashCommandFields } from '../support/slack-requests.js';

/** Every kind of Slack markup an outside system might try. */
const HOSTILE =
  '<!channel> <!here> <!everyone> <!subteam^S0EVIL0001|oncall> <@U0EVIL0001> <#C0EVIL0001> <https://evil.example.com|Grafana> &amp; <mailto:x@evil.example.com|mail>';
/** The attack: a URL that closes the link early and opens a disguised one. */
const URL_ATTACK = 'https://x> <!channel> <https://evil|Grafana';
/** The same, in a form URL validators accept (the junk sits in the path). */
const URL_ATTACK_PATH = 'https://ci.example.com/run> <!channel> <https://evil.example.com|Grafana';
const URL_ATTACK_TIGHT = 'https://ci.example.com/run><!here><https://evil.example.com|Grafana';
const BENIGN_DEPLOY_URL = 'https://ci.example.com/deploys/d-1';

const SECRET = 'receiver-secret-0123456789';
const GITHUB_SECRET = 'github-secret-0123456789';
const DEPLOYER = 'U0DEPLOYER';
const TYPIST = 'U0ALICE01';

let bot: TestApp | undefined;
let receiver: RollbackReceiver | undefined;
let pd: PagerDutyEmulator | undefined;
afterEach(async () => {
  await bot?.stop();
  await receiver?.close();
  await pd?.close();
  bot = undefined;
  receiver = undefined;
  pd = undefined;
});

function expectNothingLive(b: TestApp, rules: MarkupRules) {
  const fields = everythingSaid(b);
  const problems = fields
    .map((f) => ({ ...f, problem: unsafeMarkup(f, rules, b) }))
    .filter((f) => f.problem !== null)
    .map((f) => `${f.where}: ${f.problem}\n    ${f.text.slice(0, 2000)}`);
  expect(problems, problems.join('\n')).toEqual([]);
  return fields;
}

const said = (b: TestApp) =>
  everythingSaid(b)
    .map((f) => f.text)
    .join('\n');

const slash = (b: TestApp, command: string, text: string, channel: string, responseId: string) =>
  sendSlashCommand(
    b.base,
    SIGNING_SECRET,
    slashCommandFields({
      command,
      text,
      user_id: command === '/deploy' ? DEPLOYER : TYPIST,
      channel_id: channel,
      response_url: b.slack.responseUrl(responseId),
    }),
  );

const signGithub = (body: string) =>
  `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;

function githubDeployment(version: string, login: string) {
  const event = JSON.parse(fixtureText('github/deployment_status/payload.json'));
  event.deployment.id = 777;
  event.deployment.payload = { service: 'checkout', version };
  event.deployment.environment = 'production';
  event.deployment.created_at = new Date().toISOString();
  event.deployment.creator.login = login;
  event.deployment_status.state = 'success';
  event.deployment_status.environment = 'production';
  event.deployment_status.target_url = URL_ATTACK;
  event.deployment_status.created_at = new Date().toISOString();
  event.deployment_status.updated_at = new Date().toISOString();
  return JSON.stringify(event);
}

test('hostile alerts, deploys, freezes and a rollback backend: nothing the bot posts has a live mention or a foreign link', async () => {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({
    configYaml: `
incidents:
  announceChannel: C0ANNOUNCE
permissions:
  deployers: [${DEPLOYER}]
services:
  checkout:
    aliases: [checkout-api]
    environments:
      production:
        rollback: { backend: webhook, url: "${receiver.url}/rollback", secret: "${SECRET}" }
`,
    env: { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET },
  });
  const b = bot;
  b.slack.addUser({ id: TYPIST, name: 'alice', email: 'alice@example.com' });
  b.slack.addUser({ id: DEPLOYER, name: 'dana', email: 'dana@example.com' });
  b.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

  // Two deploys before the alert: they become the card's suspects, with a Roll back button.
  const deploy = (body: Record<string, unknown>) =>
    b.post('/webhooks/deploys', {
      service: 'checkout',
      environment: 'production',
      status: 'succeeded',
      ...body,
    });
  expect(
    (
      await deploy({
        id: 'd-1',
        version: `v1 ${HOSTILE}`,
        actor: HOSTILE,
        url: BENIGN_DEPLOY_URL,
        startedAt: at(60),
        finishedAt: at(60),
      })
    ).status,
  ).toBe(202);
  expect(
    (
      await deploy({
        id: 'd-2',
        version: `v2 ${HOSTILE}`,
        actor: HOSTILE,
        url: URL_ATTACK_PATH,
        compareUrl: URL_ATTACK_TIGHT,
        startedAt: at(6),
        finishedAt: at(6),
      })
    ).status,
  ).toBe(202);

  // The generic alert route: every text field and the URL hostile.
  const alert = await b.post('/webhooks/alerts', {
    dedupeKey: 'hostile-1',
    title: `Checkout down ${HOSTILE}`,
    service: 'checkout',
    environment: 'production',
    severity: 'critical',
    description: `Description ${HOSTILE}`,
    labels: { team: HOSTILE, [HOSTILE.slice(0, 40)]: 'x' },
    annotations: { runbook: HOSTILE },
    url: URL_ATTACK_PATH,
  });
  expect(alert.status).toBe(202);
  const channel = await eventually(() =>
    [...b.slack.state.channels.values()].find((c) => c.name.startsWith('inc-1-')),
  );
  await eventually(() => b.slack.pinnedMessages(channel.id)[0]);

  // Alertmanager and Grafana, with the exact URL as generatorURL / panelURL.
  const amAlert = {
    status: 'firing',
    labels: {
      alertname: `AM ${HOSTILE}`,
      service: 'checkout',
      environment: 'production',
      severity: 'critical',
      team: HOSTILE,
    },
    annotations: { summary: `Alertmanager ${HOSTILE}`, description: HOSTILE },
    startsAt: at(2),
    generatorURL: URL_ATTACK,
    fingerprint: 'am-hostile-1',
  };
  expect(
    (
      await b.post('/webhooks/alertmanager', {
        version: '4',
        groupKey: '{}:{alertname="hostile"}',
        status: 'firing',
        receiver: 'firebreak',
        alerts: [amAlert],
      })
    ).status,
  ).toBe(202);
  expect(
    (
      await b.post('/webhooks/grafana', {
        groupKey: 'grafana-hostile',
        status: 'firing',
        orgId: 1,
        title: HOSTILE,
        alerts: [
          {
            ...amAlert,
            fingerprint: 'gf-hostile-1',
            annotations: { summary: `Grafana ${HOSTILE}` },
            generatorURL: URL_ATTACK,
            dashboardURL: URL_ATTACK,
            panelURL: URL_ATTACK,
          },
        ],
      })
    ).status,
  ).toBe(202);

  // Deploys after the incident opened are told in its channel: GitHub and Argo CD.
  const gh = githubDeployment(`v3 ${HOSTILE}`.slice(0, 200), HOSTILE);
  const ghRes = await fetch(`${b.base}/webhooks/github`, {
    method: 'POST',
    body: gh,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'deployment_status',
      'x-github-delivery': 'hostile-delivery-1',
      'x-hub-signature-256': signGithub(gh),
    },
  });
  expect(ghRes.status).toBe(202);
  const argo = await b.post('/webhooks/argocd', {
    app: 'checkout',
    appNamespace: 'argocd',
    labels: { 'firebreak/service': 'checkout', 'firebreak/environment': 'production' },
    argocdUrl: URL_ATTACK,
    operationState: {
      phase: 'Succeeded',
      startedAt: at(1),
      finishedAt: at(1),
      syncResult: { revision: `v4 ${HOSTILE}`.slice(0, 200) },
      operation: { initiatedBy: { username: HOSTILE } },
    },
    history: [],
  });
  expect(argo.status).toBe(202);

  // People type in the channel: their own mentions work, their @channel does not.
  await slash(
    b,
    '/incident',
    `status Rolling back <@${TYPIST}|alice> <!channel> &lt;!here&gt;`,
    channel.id,
    's1',
  );
  await slash(
    b,
    '/incident',
    `note Seen by <@${TYPIST}> <!everyone> &lt;https://evil.example.com|x&gt;`,
    channel.id,
    'n1',
  );
  // A freeze without a reason takes the (hostile) incident title as its reason.
  await slash(b, '/deploy', 'freeze', channel.id, 'f1');
  await eventually(() => said(b).includes('froze deploys'));
  // A deploy during the freeze: the loud notice, with a hostile version.
  expect(
    (
      await deploy({
        id: 'd-5',
        version: `v5 ${HOSTILE}`,
        actor: HOSTILE,
        url: URL_ATTACK_PATH,
        startedAt: at(0),
        finishedAt: at(0),
      })
    ).status,
  ).toBe(202);
  await eventually(() => said(b).includes('Deploy during a freeze'));

  // Roll back the hostile v2 to the hostile v1; the backend fails with hostile text, then
  // succeeds with hostile output.
  await b.settle(10_000);
  receiver.mode = {
    kind: 'http',
    status: 200,
    body: { status: 'failed', message: `backend says ${HOSTILE}`, url: URL_ATTACK },
  };
  const card = b.slack.pinnedMessages(channel.id)[0];
  const rollback = buttons(card?.blocks).find((x) => x.action_id === 'deploy_rollback');
  if (!rollback) throw new Error(`no Roll back button in ${JSON.stringify(card?.blocks)}`);
  await click(b, { user: DEPLOYER, channel: channel.id, button: rollback, responseId: 'r1' });
  const failed = await eventually(() =>
    b.slack.messages(channel.id).find((m) => m.text?.includes('failed: backend says')),
  );
  // The stale Roll back button again: refused, quoting the backend's error back to the clicker.
  await click(b, { user: DEPLOYER, channel: channel.id, button: rollback, responseId: 'r1b' });
  const refusal = await eventually(() => b.slack.responsesTo('r1b')[0] as { text: string });
  expect(refusal.text).toContain('failed: backend says &lt;!channel&gt;');
  receiver.mode = {
    kind: 'http',
    status: 200,
    body: { status: 'succeeded', message: HOSTILE, url: URL_ATTACK_PATH, output: HOSTILE },
  };
  const retry = buttons(failed.blocks).find((x) => x.action_id === 'deploy_rollback');
  if (!retry) throw new Error('no Retry rollback button');
  await click(b, { user: DEPLOYER, channel: channel.id, button: retry, responseId: 'r2' });
  await eventually(() =>
    b.slack.messages(channel.id).find((m) => /^✅ Rollback of .* succeeded/.test(m.text ?? '')),
  );
  await deployCommand(b, { user: DEPLOYER, channel: channel.id, text: 'status', responseId: 'st' });
  await deployCommand(b, { user: DEPLOYER, channel: channel.id, text: 'list', responseId: 'ls' });
  await slash(b, '/incident', 'list', channel.id, 'il');
  await eventually(() => b.slack.responsesTo('il').length > 0);
  await b.settle(10_000);

  const fields = expectNothingLive(b, {
    users: new Set([TYPIST, DEPLOYER, b.slack.botUserId]),
    urls: new Set([BENIGN_DEPLOY_URL]),
    hereOnlyWith: '🚨 <!here> *Deploy during a freeze!*',
  });

  // Not vacuous: the hostile text did reach every kind of field, as text.
  const methods = new Set(fields.map((f) => f.where.split('#')[0]));
  for (const m of ['chat.postMessage', 'chat.update', 'conversations.setTopic', 'response_url'])
    expect(methods).toContain(m);
  const all = fields.map((f) => f.text).join('\n');
  expect(all).toContain('&lt;!channel&gt;');
  const topic = b.slack.findCalls('conversations.setTopic').map((c) => String(c.args.topic));
  expect(topic.join('\n')).toContain('Checkout down &lt;!channel&gt;');
  // People's own mentions still mention.
  const status = b.slack.messages(channel.id).find((m) => m.text?.includes('Rolling back'));
  expect(JSON.stringify(status?.blocks)).toContain(`<@${TYPIST}|alice>`);
  expect(status?.text).toContain('&lt;!channel&gt;');
  // The announcement and the backend's failure, as text.
  expect(b.slack.messages('C0ANNOUNCE')[0]?.text).toContain('Checkout down &lt;!channel&gt;');
  expect(failed.text).toContain('failed: backend says &lt;!channel&gt;');
  // The benign link still links.
  expect(all).toContain(`<${BENIGN_DEPLOY_URL}|`);
});

test('hostile PagerDuty webhooks: title, names and link stay text', async () => {
  pd = await startPagerDutyEmulator();
  pd.addUser({ id: 'PFIREBR', name: 'firebreak', email: 'firebreak@example.com' });
  pd.addUser({ id: 'PEVIL01', name: `Mallory ${HOSTILE}`, email: 'mallory@example.com' });
  const PD_SECRET = 'pd-webhook-secret-0123456789';
  bot = await startTestApp({
    configYaml: `
services:
  checkout:
    pagerduty:
      serviceId: PSVC001
      escalationPolicyId: PEPOL01
pagerduty:
  priorities: { P1: sev1 }
`,
    env: {
      PAGERDUTY_TOKEN: DEFAULT_PAGERDUTY_TOKEN,
      PAGERDUTY_FROM: 'firebreak@example.com',
      PAGERDUTY_API_URL: pd.url,
      PAGERDUTY_EVENTS_URL: pd.url,
      PAGERDUTY_WEBHOOK_SECRET: PD_SECRET,
    },
  });
  const b = bot;
  const emu = pd;
  b.slack.addUser({ id: TYPIST, name: 'alice', email: 'alice@example.com' });
  const evil: PdReference = {
    id: 'PEVIL01',
    type: 'user_reference',
    summary: `Mallory ${HOSTILE}`,
    self: 'https://api.pagerduty.com/users/PEVIL01',
  };
  const deliver = (type: Parameters<typeof buildWebhookEvent>[0], id: string) => {
    const incident = emu.incident(id);
    if (!incident) throw new Error(`no PagerDuty incident ${id}`);
    const envelope = buildWebhookEvent(type, incident, evil, { occurredAt: new Date() });
    envelope.event.data.html_url = URL_ATTACK;
    return deliverWebhook(`${b.base}/webhooks/pagerduty`, envelope, { secrets: [PD_SECRET] });
  };

  const created = emu.createIncident({ title: `PD ${HOSTILE}`, serviceId: 'PSVC001' });
  expect((await deliver('incident.triggered', created.id)).status).toBe(202);
  const channel = await eventually(() =>
    [...b.slack.state.channels.values()].find((c) => c.name.startsWith('inc-1-')),
  );
  await eventually(() => b.slack.pinnedMessages(channel.id)[0]);
  emu.updateIncident(created.id, { assigneeIds: ['PEVIL01'] }, 'PEVIL01');
  expect((await deliver('incident.reassigned', created.id)).status).toBe(202);
  emu.updateIncident(created.id, { status: 'acknowledged' }, 'PEVIL01');
  expect((await deliver('incident.acknowledged', created.id)).status).toBe(202);
  await eventually(() => said(b).includes('acknowledged'));
  await b.settle(10_000);

  const fields = expectNothingLive(b, {
    users: new Set([TYPIST, b.slack.botUserId]),
    urls: new Set(),
  });
  const all = fields.map((f) => f.text).join('\n');
  expect(all).toContain('PD &lt;!channel&gt;');
  expect(all).toContain('Mallory &lt;!channel&gt;');
});
