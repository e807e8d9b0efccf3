import { afterEach, expect, test } from 'vitest';
import { allRollbacks } from '../../src/store/rollbacks.js';
import { verify } from '../../src/timeline/timeline.js';
import {
  type RollbackReceiver,
  startRollbackReceiver,
} from '../emulators/deploy/rollback-receiver.js';
import { API_TOKEN, eventually, startTestApp, type TestApp } from '../support/app.js';
import { buttons, click, type FoundButton, postDeploy, responseText } from '../support/deploys.js';

// deploys.autoRollback end to end: the real bot, the Slack emulator, the webhook rollback
// receiver. The sweep is run by hand (cron is off in these tests) after the real veto passes.

const SECRET = 'receiver-secret-0123456789';
const DEPLOYER = 'U0DEPLOYER';
const STRANGER = 'U0STRANGER';

let bot: TestApp | undefined;
let receiver: RollbackReceiver | undefined;
afterEach(async () => {
  await bot?.stop();
  await receiver?.close();
  bot = undefined;
  receiver = undefined;
});

const config = (url: string, mode: 'shadow' | 'on') => `
permissions:
  deployers: [${DEPLOYER}]
deploys:
  autoRollback: { mode: ${mode}, veto: 2s }
services:
  checkout:
    aliases: [checkout-api]
    environments:
      production:
        rollback: { backend: webhook, url: "${url}/rollback", secret: "${SECRET}" }
`;

async function start(mode: 'shadow' | 'on') {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({ configYaml: config(receiver.url, mode) });
  const b = bot;
  expect((await postDeploy(b, { id: 'd-1', version: 'v1', minutesAgo: 60 })).status).toBe(202);
  expect((await postDeploy(b, { id: 'd-2', version: 'v2', minutesAgo: 6 })).status).toBe(202);
  const alert = await b.post('/webhooks/alerts', {
    dedupeKey: 'checkout-5xx',
    title: 'High 5xx on checkout',
    service: 'checkout-api',
    environment: 'production',
    severity: 'critical',
  });
  expect(alert.status).toBe(202);
  const channel = await eventually(() => b.slack.channelByName('inc-1-high-5xx-on-checkout'));
  const decided = await eventually(() =>
    b.slack
      .messages(channel.id)
      .find((m) => buttons(m.blocks).some((x) => x.text === 'Roll back now')),
  );
  return { b, channelId: channel.id, decided, rx: receiver };
}

const buttonOf = (blocks: unknown, text: string): FoundButton => {
  const found = buttons(blocks).find((b) => b.text === text);
  if (!found) throw new Error(`no ${text} button in ${JSON.stringify(blocks)}`);
  return found;
};
const channelText = (b: TestApp, channelId: string) =>
  b.slack
    .messages(channelId)
    .map((m) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`)
    .join('\n---\n');
const sweep = async (b: TestApp) => {
  const job = b.app.jobs.find((j) => j.name === 'auto-rollback-deadline');
  if (!job) throw new Error('no auto-rollback-deadline job');
  await job.run();
};
const metric = async (b: TestApp, name: string, outcome: string) => {
  const text = await (await b.get('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{outcome="${outcome}"}`));
  return Number(line?.split(' ').pop() ?? Number.NaN);
};

test('on: the countdown is posted with Cancel and Roll back now; at the deadline exactly one backend request, by firebreak, then the freeze; counted and in the postmortem', async () => {
  const { b, channelId, decided, rx } = await start('on');
  const json = JSON.stringify(decided.blocks);
  expect(json).toContain('Rolling back *checkout* in *production* from *v2* to *v1* in 2 s');
  // The deadline as a Slack date: shown in each reader's time zone, and counting down ({ago}).
  expect(json).toMatch(/<!date\^\d+\^\{ago\}\|/);
  expect(buttons(decided.blocks).map((x) => x.text)).toEqual(['Cancel', 'Roll back now']);
  expect(decided.text).toContain('in 2 s unless cancelled');

  // The pinned card counts down too, with its own Cancel.
  const card = () => JSON.stringify(b.slack.pinnedMessages(channelId)[0]?.blocks ?? []);
  await eventually(() => card().includes('card_auto_rollback'));
  expect(card()).toMatch(
    /Automatic rollback\* of \*checkout\* in \*production\* to \*v1\* at <!date\^\d+\^\{time_secs\}\|[^>]+> \(<!date\^\d+\^\{ago\}/,
  );
  expect(card()).toContain('deploy_auto_rollback_cancel');

  // Before the deadline the sweep does nothing.
  await sweep(b);
  expect(await b.app.store.read((tx) => allRollbacks(tx))).toHaveLength(0);

  await new Promise((r) => setTimeout(r, 2100));
  await Promise.all([sweep(b), sweep(b)]);
  await sweep(b);
  await eventually(() => rx?.rollbacks.length === 1);
  await b.settle();
  expect(rx?.requests).toHaveLength(1);
  expect(rx?.rollbacks[0]?.body).toMatchObject({
    from: { version: 'v2' },
    to: { version: 'v1' },
    incident: 1,
  });
  const text = await eventually(() => {
    const t = channelText(b, channelId);
    return t.includes('to *v1* succeeded') ? t : null;
  });
  expect(text).toContain('firebreak (automatic rollback, `deploys.autoRollback`) is rolling back');

  await eventually(() => !card().includes('card_auto_rollback'));
  // The same freeze as after a click: the gate says 423.
  const gate = await b.get('/api/v1/gates/deploy?service=checkout&environment=production');
  expect(gate.status).toBe(423);

  expect(await metric(b, 'firebreak_auto_rollback_decisions_total', 'scheduled')).toBe(1);
  expect(await metric(b, 'firebreak_auto_rollback_decisions_total', 'refused')).toBe(0);
  expect(await metric(b, 'firebreak_auto_rollback_countdowns_total', 'executed')).toBe(1);

  const postmortem = await (
    await b.get('/api/v1/incidents/1/postmortem', { authorization: `Bearer ${API_TOKEN}` })
  ).text();
  expect(postmortem).toMatch(
    /Automatic rollback of checkout \(production\): v2 → v1 scheduled, with a veto/,
  );
  expect(postmortem).toMatch(/Automatic rollback of checkout \(production\) executed/);
  expect((await b.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('on: Cancel by a deployer stops it (a stranger is told no); the deadline then calls nothing', async () => {
  const { b, channelId, decided, rx } = await start('on');
  const cancel = buttonOf(decided.blocks, 'Cancel');
  await click(b, { user: STRANGER, channel: channelId, button: cancel, responseId: 's1' });
  await eventually(() => responseText(b, 's1').includes('not allowed to cancel'));

  expect(
    (await click(b, { user: DEPLOYER, channel: channelId, button: cancel, responseId: 'c1' }))
      .status,
  ).toBe(200);
  await b.settle();
  await eventually(() =>
    channelText(b, channelId).includes(
      `<@${DEPLOYER}> cancelled the automatic rollback of *checkout* in *production*`,
    ),
  );
  const card = () => JSON.stringify(b.slack.pinnedMessages(channelId)[0]?.blocks ?? []);
  await eventually(() => !card().includes('card_auto_rollback'));
  // A second Cancel answers, changes nothing.
  await click(b, { user: DEPLOYER, channel: channelId, button: cancel, responseId: 'c2' });
  await eventually(() => responseText(b, 'c2').includes('was already cancelled'));

  await new Promise((r) => setTimeout(r, 2100));
  await sweep(b);
  await b.settle();
  expect(rx?.requests).toHaveLength(0);
  expect(await b.app.store.read((tx) => allRollbacks(tx))).toHaveLength(0);
  expect(await metric(b, 'firebreak_auto_rollback_countdowns_total', 'cancelled')).toBe(1);
});

test('shadow: "would have rolled back", with the reasons and Roll back now, which is the ordinary rollback', async () => {
  const { b, channelId, decided, rx } = await start('shadow');
  const json = JSON.stringify(decided.blocks);
  expect(json).toContain('Shadow mode: firebreak would have rolled back *checkout*');
  expect(json).toContain('v2 finished 6 min before the first alert');
  expect(buttons(decided.blocks).map((x) => x.text)).toEqual(['Roll back now']);
  await new Promise((r) => setTimeout(r, 2100));
  await sweep(b);
  await b.settle();
  expect(rx?.requests).toHaveLength(0);
  expect(await metric(b, 'firebreak_auto_rollback_decisions_total', 'shadow')).toBe(1);

  await click(b, {
    user: DEPLOYER,
    channel: channelId,
    button: buttonOf(decided.blocks, 'Roll back now'),
    responseId: 'n1',
  });
  await eventually(() => rx?.rollbacks.length === 1);
  const [rollback] = await b.app.store.read((tx) => allRollbacks(tx));
  expect(rollback?.requestedBy).toBe(DEPLOYER);
});

test('a failed condition is said in the channel, with the ordinary Roll back button', async () => {
  receiver = await startRollbackReceiver(SECRET);
  bot = await startTestApp({ configYaml: config(receiver.url, 'on') });
  const b = bot;
  await postDeploy(b, { id: 'd-1', version: 'v1', minutesAgo: 60 });
  await postDeploy(b, { id: 'd-2', version: 'v2', minutesAgo: 6 });
  await postDeploy(b, { id: 'd-3', version: 'v3', minutesAgo: 3 });
  await b.post('/webhooks/alerts', {
    dedupeKey: 'checkout-5xx',
    title: 'High 5xx on checkout',
    service: 'checkout-api',
    severity: 'critical',
  });
  const channel = await eventually(() => b.slack.channelByName('inc-1-high-5xx-on-checkout'));
  const refused = await eventually(() =>
    b.slack.messages(channel.id).find((m) => m.text.includes('No automatic rollback')),
  );
  const json = JSON.stringify(refused.blocks);
  expect(json).toContain('No automatic rollback of *checkout* in *production*');
  expect(json).toContain('two deploys in the window (v3, v2 in the 30 min before the first alert)');
  expect(buttons(refused.blocks).map((x) => [x.action_id, x.text])).toEqual([
    ['deploy_rollback', 'Roll back to v2'],
  ]);
  expect(await metric(b, 'firebreak_auto_rollback_decisions_total', 'refused')).toBe(1);
});
