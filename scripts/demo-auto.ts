// `npm run demo -- --auto`: the automatic rollback (deploys.autoRollback: on), without a Slack
// workspace. The real bot runs against the Slack emulator on loopback, with its sweeps on (the
// deadline is a row the every-second sweep settles); this script plays the people and tools
// around it. The veto is 5 s here so the demo is short; the default is 2 min.
import { join } from 'node:path';
import { allRollbacks } from '../src/store/rollbacks.js';
import { verify } from '../src/timeline/timeline.js';
import { startSlackEmulator } from '../test/emulators/slack.js';
import { buttons } from '../test/support/deploys.js';
import { blockActionPayload, sendBlockAction } from '../test/support/slack-requests.js';
import {
  API_TOKEN,
  dim,
  freshDir,
  ROOT,
  SIGNING_SECRET,
  sleep,
  startDemoBot,
  step,
} from './demo-kit.js';

const DIR = join(ROOT, 'data/demo-auto');
const DANA = 'U0DANA0001'; // owns checkout and payments, a deployer
const VETO_S = 5;

export async function main() {
  freshDir(DIR);
  const slack = await startSlackEmulator({
    users: [{ id: DANA, name: 'dana', email: 'dana@example.com' }],
    channels: [{ id: 'C0INCIDENTS', name: 'incidents' }],
  });
  const backend = (deployment: string) => `
        rollback:
          backend: command
          argv: [node, "${join(ROOT, 'scripts/demo-rollback.mjs')}", "deployment/${deployment}", "--to-revision={{revision}}"]`;
  const { app, base, post, settle } = await startDemoBot({
    slack,
    dir: DIR,
    configYaml: `incidents:
  announceChannel: C0INCIDENTS
permissions:
  deployers: [${DANA}]
deploys:
  autoRollback: { mode: on, window: 30m, minSeverity: sev1, veto: ${VETO_S}s, cooldown: 6h }
services:
  checkout:
    aliases: [checkout-api]
    owners: [${DANA}]
    environments:
      production:${backend('checkout')}
  payments:
    owners: [${DANA}]
    environments:
      production:${backend('payments')}
`,
    // The sweeps run, as in production: the deadline is settled by the every-second sweep.
    cron: true,
    title: 'firebreak demo: automatic rollback',
    setting: `Slack emulated on loopback, veto ${VETO_S} s`,
  });
  const deploy = (service: string, id: string, version: string, minutesAgo: number, rev: number) =>
    post('/webhooks/deploys', {
      id,
      service,
      environment: 'production',
      status: 'succeeded',
      version,
      actor: 'ana',
      url: `https://ci.example.com/acme/${service}/runs/${id}`,
      finishedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      rollback: { revision: String(rev) },
    });
  const fire = (service: string, title: string) =>
    post('/webhooks/alerts', {
      dedupeKey: `${service}-5xx`,
      title,
      service,
      environment: 'production',
      severity: 'critical',
    });
  const channelOf = async (prefix: string) => {
    for (let i = 0; i < 100; i++) {
      const found = [...slack.state.channels.values()].find((c) => c.name.startsWith(prefix));
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no channel ${prefix}*`);
  };
  const countdownIn = (channelId: string) =>
    slack.messages(channelId).find((m) => buttons(m.blocks).some((b) => b.text === 'Cancel'));

  try {
    step('payments: v4.1.0 an hour ago, v4.2.0 four minutes ago; then a critical alert');
    await deploy('payments', 'pay-1', 'v4.1.0', 60, 17);
    await deploy('payments', 'pay-2', 'v4.2.0', 4, 18);
    await fire('payments', 'Payment authorisations failing');
    await settle();
    const payments = await channelOf('inc-1-');
    const countdown = countdownIn(payments.id);
    if (!countdown) throw new Error('no countdown in the payments channel');

    step('Dana knows it is the card network, not the deploy: she presses Cancel within the veto');
    const cancel = buttons(countdown.blocks).find((b) => b.text === 'Cancel');
    if (!cancel) throw new Error('no Cancel button');
    console.log(dim(`  <@${DANA}> clicks [${cancel.text}]`));
    await sendBlockAction(
      base,
      SIGNING_SECRET,
      blockActionPayload({
        user: DANA,
        channel: payments.id,
        message_ts: countdown.ts,
        actions: [{ action_id: cancel.action_id, block_id: cancel.block_id, value: cancel.value }],
        response_url: slack.responseUrl('cancel'),
      }),
    );
    await settle();
    await sleep(VETO_S * 1000 + 1500);
    await settle();
    console.log(
      `  The veto has passed: nothing was rolled back (payments rollbacks: ${await rollbacksOf('payments')}).`,
    );

    step('checkout: v2.3.0 an hour ago, v2.3.1 six minutes ago; then a critical alert');
    await deploy('checkout-api', 'run-4410', 'v2.3.0', 60, 41);
    await deploy('checkout-api', 'run-4417', 'v2.3.1', 6, 42);
    await fire('checkout-api', 'High 5xx error rate on checkout');
    await settle();
    const checkout = await channelOf('inc-2-');
    if (!countdownIn(checkout.id)) throw new Error('no countdown in the checkout channel');
    const started = Date.now();

    step('Nobody cancels. The countdown runs out (the card shows the deadline as a Slack date)');
    for (let left = VETO_S; left > 0; left--) {
      console.log(dim(`  … ${left} s left`));
      await sleep(Math.max(0, started + (VETO_S - left + 1) * 1000 - Date.now()));
    }
    // The sweep ticks every second; then the command backend runs (300 ms).
    for (let i = 0; i < 60 && !(await succeeded('checkout')); i++) await sleep(100);
    await settle();

    step('CI asks whether it may deploy checkout now (the freeze that follows the rollback)');
    const gate = await fetch(`${base}/api/v1/gates/deploy?service=checkout&environment=production`);
    console.log(
      `  GET /api/v1/gates/deploy?service=checkout&environment=production → ${gate.status}, Retry-After: ${gate.headers.get('retry-after')}`,
    );
    console.log(`  ${JSON.stringify(await gate.json())}`);

    step('GET /metrics: the decisions by outcome');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const line of metrics.split('\n'))
      if (/^firebreak_auto_rollback_\w+\{/.test(line) && !line.endsWith(' 0'))
        console.log(`  ${line}`);

    step('The postmortem of INC-2 has a line per decision');
    const draft = await (
      await fetch(`${base}/api/v1/incidents/2/postmortem`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      })
    ).text();
    for (const line of draft.split('\n'))
      if (line.includes('Automatic rollback') || line.includes('Rollback '))
        console.log(`  ${line}`);

    const check = await app.store.read((tx) => verify(tx));
    step('The record');
    console.log(
      `  ${check.events} timeline events in ${check.streams} hash chains, ${check.problems.length === 0 ? 'all intact' : `${check.problems.length} problems`}`,
    );
  } finally {
    await app.stop({ timeoutMs: 5000 });
    await slack.close();
  }

  async function rollbacksOf(service: string) {
    return (await app.store.read((tx) => allRollbacks(tx))).filter((r) => r.service === service)
      .length;
  }
  async function succeeded(service: string) {
    return (await app.store.read((tx) => allRollbacks(tx))).some(
      (r) => r.service === service && r.status === 'succeeded',
    );
  }
}
