// `npm run demo`: a whole incident, end to end, without a Slack workspace. The real bot runs
// against the Slack and PagerDuty emulators from test/ on loopback; this script plays the
// people and the tools around it and prints what Slack would show. The SQLite file stays in
// data/demo/ to inspect (sqlite3 data/demo/firebreak.db, or `firebreak verify`).
import { join } from 'node:path';
import { verify } from '../src/timeline/timeline.js';
import { startPagerDutyEmulator } from '../test/emulators/pagerduty.js';
import { type EmulatedMessage, startSlackEmulator } from '../test/emulators/slack.js';
import { startGithubIssues } from '../test/emulators/trackers/github-issues.js';
import { buttons, type FoundButton } from '../test/support/deploys.js';
import {
  blockActionPayload,
  eventEnvelope,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  slashCommandFields,
} from '../test/support/slack-requests.js';
import { API_TOKEN, dim, freshDir, ROOT, SIGNING_SECRET, startDemoBot, step } from './demo-kit.js';
import { renderBlocks } from './demo-render.js';
import {
  DEMO_TRACKER_REPO,
  DEMO_TRACKER_TOKEN,
  demoFollowupToGithub,
  demoTrackerConfig,
} from './demo-tracker.js';

const DIR = join(ROOT, 'data/demo');
const DANA = 'U0DANA0001'; // owns checkout, is on call
const ANA = 'U0ANA00001'; // shipped v2

async function main() {
  freshDir(DIR);

  const slack = await startSlackEmulator({
    users: [
      { id: DANA, name: 'dana', email: 'alice@example.com' },
      { id: ANA, name: 'ana', email: 'ana@example.com' },
    ],
    channels: [{ id: 'C0INCIDENTS', name: 'incidents' }],
  });
  const pagerduty = await startPagerDutyEmulator();
  const github = await startGithubIssues({ token: DEMO_TRACKER_TOKEN, repos: [DEMO_TRACKER_REPO] });
  const { app, base, post, settle } = await startDemoBot({
    slack,
    dir: DIR,
    configYaml: `incidents:
  announceChannel: C0INCIDENTS
permissions:
  deployers: [${DANA}]
services:
  checkout:
    aliases: [checkout-api]
    owners: [${DANA}]
    pagerduty: { serviceId: PSVC001, escalationPolicyId: PEPOL01 }
    environments:
      production:
        rollback:
          backend: command
          argv: [node, "${join(ROOT, 'scripts/demo-rollback.mjs')}", "deployment/checkout", "--to-revision={{revision}}"]
${demoTrackerConfig(github)}`,
    env: {
      PAGERDUTY_TOKEN: 'pd-test-token',
      PAGERDUTY_FROM: 'alice@example.com',
      PAGERDUTY_API_URL: pagerduty.url,
      PAGERDUTY_EVENTS_URL: pagerduty.url,
    },
    cron: false,
    title: 'firebreak demo',
    setting: 'Slack and PagerDuty emulated on loopback',
  });

  try {
    step('CI reports two deploys of checkout: v1 an hour ago, v2 six minutes ago');
    const deploy = (
      id: string,
      version: string,
      minutesAgo: number,
      revision: number,
      actor: string,
    ) =>
      post('/webhooks/deploys', {
        id,
        service: 'checkout-api',
        environment: 'production',
        status: 'succeeded',
        version,
        previousVersion: version === 'v2.3.1' ? 'v2.3.0' : null,
        actor,
        sha: version === 'v2.3.1' ? '9f1c2ab' : '77e01d4',
        compareUrl: 'https://github.com/acme/checkout/compare/v2.3.0...v2.3.1',
        url: `https://ci.example.com/acme/checkout/runs/${id}`,
        finishedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        rollback: { revision: String(revision) },
      });
    await deploy('run-4410', 'v2.3.0', 60, 41, 'dana');
    await deploy('run-4417', 'v2.3.1', 6, 42, 'ana');

    step(
      'Alertmanager fires HighErrorRate for checkout (a real-format webhook, two alerts in one group)',
    );
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = (instance: string, ratio: string, endsAt = '0001-01-01T00:00:00Z') => ({
      status: endsAt.startsWith('0001') ? 'firing' : 'resolved',
      labels: {
        alertname: 'HighErrorRate',
        service: 'checkout-api',
        severity: 'critical',
        instance,
      },
      annotations: {
        summary: 'High 5xx error rate on checkout',
        description: `5xx ratio is ${ratio} over the last 5 minutes`,
      },
      startsAt,
      endsAt,
      generatorURL:
        'http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29',
      fingerprint:
        instance === 'checkout-7d9f8b-abcde:8080' ? 'c1f0b6a4d2e9a871' : 'a3d94f0e7b125c66',
    });
    const notify = (endsAt?: string) =>
      post('/webhooks/alertmanager', {
        version: '4',
        groupKey: '{}:{alertname="HighErrorRate", service="checkout-api"}',
        truncatedAlerts: 0,
        status: endsAt ? 'resolved' : 'firing',
        receiver: 'firebreak',
        groupLabels: { alertname: 'HighErrorRate', service: 'checkout-api' },
        commonLabels: { alertname: 'HighErrorRate', service: 'checkout-api', severity: 'critical' },
        commonAnnotations: { summary: 'High 5xx error rate on checkout' },
        externalURL: 'http://alertmanager.example.com',
        alerts: [
          alert('checkout-7d9f8b-abcde:8080', '12%', endsAt),
          alert('checkout-7d9f8b-fghij:8080', '9%', endsAt),
        ],
      });
    await notify();
    await settle();
    const channel = [...slack.state.channels.values()].find((c) => c.name.startsWith('inc-1-'));
    if (!channel) throw new Error('the incident channel did not appear');

    const card = () => slack.pinnedMessages(channel.id)[0] as EmulatedMessage;
    const press = async (user: string, pick: (b: FoundButton) => boolean, what: string) => {
      const button = buttons(card().blocks).find(pick);
      if (!button) throw new Error(`no ${what} button on the card`);
      console.log(dim(`  <@${user}> clicks [${button.text}]`));
      const res = await sendBlockAction(
        base,
        SIGNING_SECRET,
        blockActionPayload({
          user,
          channel: channel.id,
          message_ts: card().ts,
          actions: [
            { action_id: button.action_id, block_id: button.block_id, value: button.value },
          ],
          response_url: slack.responseUrl(`click-${Date.now()}`),
        }),
      );
      if (res.status !== 200) throw new Error(`${what} answered ${res.status}`);
      await settle();
    };
    const command = async (user: string, text: string) => {
      console.log(dim(`  <@${user}> types /incident ${text}`));
      const id = `cmd-${Date.now()}`;
      await sendSlashCommand(
        base,
        SIGNING_SECRET,
        slashCommandFields({
          command: '/incident',
          text,
          user_id: user,
          channel_id: channel.id,
          response_url: slack.responseUrl(id),
        }),
      );
      await settle();
      for (const r of slack.responsesTo(id))
        console.log(dim(`  (only to <@${user}>) ${(r as { text?: string }).text ?? ''}`));
    };

    step('The incident card, as pinned in the channel');
    console.log(renderBlocks(card().blocks, '  │ '));

    step('Dana acknowledges, and pages on-call through PagerDuty');
    await press(DANA, (b) => b.action_id === 'incident_acknowledge', 'Acknowledge');
    await press(DANA, (b) => b.action_id === 'incident_page_oncall', 'Page on-call');
    const pd = pagerduty.incidents[0];
    if (pd)
      console.log(
        dim(`  PagerDuty: ${pd.id} "${pd.title}" on ${pd.escalation_policy.id}, ${pd.status}`),
      );

    step(
      'Dana rolls v2.3.1 back to v2.3.0 from the card (the command backend runs scripts/demo-rollback.mjs)',
    );
    await press(DANA, (b) => b.action_id === 'deploy_rollback', 'Roll back');
    await settle();

    step('The rollback worked: Dana marks the incident mitigated from the rollback thread');
    const done = slack
      .messages(channel.id)
      .find((m) => buttons(m.blocks).some((b) => b.action_id === 'incident_mark_mitigated'));
    const mitigate =
      done && buttons(done.blocks).find((b) => b.action_id === 'incident_mark_mitigated');
    if (done && mitigate) {
      console.log(dim(`  <@${DANA}> clicks [${mitigate.text}]`));
      await sendBlockAction(
        base,
        SIGNING_SECRET,
        blockActionPayload({
          user: DANA,
          channel: channel.id,
          message_ts: done.ts,
          actions: [
            { action_id: mitigate.action_id, block_id: mitigate.block_id, value: mitigate.value },
          ],
          response_url: slack.responseUrl('mitigate'),
        }),
      );
      await settle();
    }

    step('CI asks whether it may deploy checkout now (the freeze set after the rollback)');
    const gate = await fetch(`${base}/api/v1/gates/deploy?service=checkout&environment=production`);
    console.log(
      `  GET /api/v1/gates/deploy?service=checkout&environment=production → ${gate.status}, Retry-After: ${gate.headers.get('retry-after')}`,
    );
    console.log(`  ${JSON.stringify(await gate.json())}`);

    step('Error rates recover: Alertmanager sends the group again, resolved');
    await notify(new Date().toISOString());
    await settle();

    step('A status update, then resolve');
    await command(
      DANA,
      'status Rolled back to v2.3.0; 5xx back under 0.1%. Watching for 15 minutes.',
    );
    await command(
      DANA,
      'resolve v2.3.1 broke the payment-intent retries; rolled back, fix in review.',
    );

    step('Dana answers the question: v2.3.1 caused it');
    const question = slack
      .messages(channel.id)
      .find((m) => m.text.includes('Was it caused by a deploy?'));
    const cause = (
      question?.blocks as { accessory?: { action_id: string; value: string } }[] | undefined
    )?.find((b) => b.accessory?.action_id === 'incident_cause_deploy')?.accessory;
    if (question && cause) {
      await sendBlockAction(
        base,
        SIGNING_SECRET,
        blockActionPayload({
          user: DANA,
          channel: channel.id,
          message_ts: question.ts,
          actions: [{ action_id: cause.action_id, block_id: 'cause', value: cause.value }],
          response_url: slack.responseUrl('cause'),
        }),
      );
      await settle();
    }

    step('The card now');
    console.log(renderBlocks(card().blocks, '  │ '));

    step('The postmortem draft, written from the record (GET /api/v1/incidents/1/postmortem)');
    const draft = await fetch(`${base}/api/v1/incidents/1/postmortem`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    console.log((await draft.text()).replace(/^/gm, '  '));

    const check = await app.store.read((tx) => verify(tx));
    step('The record');
    console.log(
      `  ${check.events} timeline events in ${check.streams} hash chains, ${check.problems.length === 0 ? 'all intact' : `${check.problems.length} problems`}`,
    );
    console.log(
      `  SQLite file kept at ${join(DIR, 'firebreak.db')} (try: npx firebreak verify with DATABASE_PATH set to it)`,
    );

    await demoFollowupToGithub({ github, command, user: DANA, owner: ANA, step, dim });
    step("Dana opens firebreak's Home tab in Slack (app_home_opened → views.publish)");
    await sendEvent(
      base,
      SIGNING_SECRET,
      eventEnvelope({ type: 'app_home_opened', user: DANA, channel: 'D0DANA0001', tab: 'home' }),
    );
    await settle();
    const home = slack.views.find((v) => v.method === 'views.publish' && v.user_id === DANA);
    console.log(renderBlocks(home?.view.blocks, '  │ '));
  } finally {
    await app.stop({ timeoutMs: 5000 });
    await pagerduty.close();
    await github.close();
    await slack.close();
  }
}

// `npm run demo -- --auto`: the automatic rollback instead (scripts/demo-auto.ts).
if (process.argv.includes('--auto')) await (await import('./demo-auto.js')).main();
else await main();
