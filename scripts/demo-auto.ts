// `npm run demo -- --auto`: the automatic rollback (deploys.autoRollback: on), without a Slack
// workspace. The real bot runs against the Slack emulator on loopback, with its sweeps on (the
// deadline is a row the every-second sweep settles); this script plays the people and tools
// around it. The veto is 5 s here so the demo is short; the default is 2 min.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { allRollbacks } from '../src/store/rollbacks.js';
import { verify } from '../src/timeline/timeline.js';
import { type SlackEmulator, startSlackEmulator } from '../test/emulators/slack.js';
import { buttons } from '../test/support/deploys.js';
import { blockActionPayload, sendBlockAction } from '../test/support/slack-requests.js';
import { renderBlocks } from './demo-render.js';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(ROOT, 'data/demo-auto');
const SIGNING_SECRET = 'demo-signing-secret-0123456789';
const INGEST_TOKEN = 'demo-ingest-token-0123456789';
const API_TOKEN = 'demo-api-token-0123456789abcd';
const DANA = 'U0DANA0001'; // owns checkout and payments, a deployer
const VETO_S = 5;

const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const bold = (s: string) => (colour ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (colour ? `\x1b[2m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold(`▶ ${s}`)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function main() {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const slack = await startSlackEmulator({
    users: [{ id: DANA, name: 'dana', email: 'dana@example.com' }],
    channels: [{ id: 'C0INCIDENTS', name: 'incidents' }],
  });
  const backend = (deployment: string) => `
        rollback:
          backend: command
          argv: [node, "${join(ROOT, 'scripts/demo-rollback.mjs')}", "deployment/${deployment}", "--to-revision={{revision}}"]`;
  writeFileSync(
    join(DIR, 'firebreak.yaml'),
    `incidents:
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
  );
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-demo',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: join(DIR, 'firebreak.db'),
    FIREBREAK_CONFIG: join(DIR, 'firebreak.yaml'),
    INGEST_TOKEN,
    API_TOKEN,
    LOG_LEVEL: 'silent',
    PATH: process.env.PATH,
    HOME: process.env.HOME,
  });
  const app = createApp(config, {
    log: pino({ level: 'silent' }),
    slackMinPostIntervalMs: 50,
    outbox: { pollMs: 25, baseDelayMs: 100, maxDelayMs: 1000, rerunDelayMs: 100 },
    // The sweeps run, as in production: the deadline is settled by the every-second sweep.
    cron: true,
  });
  const { port } = await app.start();
  const base = `http://127.0.0.1:${port}`;
  const transcript = createTranscript(slack);
  console.log(
    bold('firebreak demo: automatic rollback') +
      dim(` — bot on ${base}, Slack emulated on loopback, veto ${VETO_S} s`),
  );

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(body),
    });
    console.log(dim(`  POST ${path} → ${res.status}`));
    return res;
  };
  const settle = async () => {
    await app.inbox.drain(5000);
    await app.outbox.drain(15_000);
    await sleep(100);
    transcript.flush();
  };
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

/** Prints each new Slack message once, in order, as "#channel  who: text". */
function createTranscript(slack: SlackEmulator) {
  const seen = new Set<string>();
  return {
    flush() {
      for (const channel of slack.state.channels.values()) {
        for (const message of slack.messages(channel.id)) {
          const key = `${channel.id}:${message.ts}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const who = message.user === slack.botUserId ? 'firebreak' : message.user;
          const where = `#${channel.name}${message.thread_ts ? ' (thread)' : ''}`;
          const body = message.blocks?.length
            ? renderBlocks(message.blocks, '      ')
            : `      ${message.text}`;
          console.log(`  ${bold(where)}  ${dim(who)}\n${body}`);
        }
      }
    },
  };
}
