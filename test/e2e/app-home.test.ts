// The App Home through the real Bolt receiver, the real WebClient and the Slack emulator's
// views.publish, opened with app_home_opened as Slack delivers it.
import { afterEach, expect, test } from 'vitest';
import { actions, views } from '../../src/slack/ids.js';
import { findFollowup, insertFollowup } from '../../src/store/followups.js';
import { insertIncident } from '../../src/store/incidents.js';
import { eventually, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { deployCommand, postDeploy } from '../support/deploys.js';
import { fixture } from '../support/fixtures.js';
import { ALICE, BOB, CAROL, slackDriver } from '../support/slack-driver.js';
import { blockActionPayload, sendBlockAction, sendEvent } from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const EVE = 'U0EVE00001';
const CONFIG = `
permissions:
  deployers: [${ALICE}]
services:
  checkout: { owners: [${ALICE}] }
  payments: { owners: [${BOB}] }
`;

interface HomeBlock {
  type: string;
  block_id?: string;
  text?: { text: string };
  accessory?: { action_id: string; value: string };
  elements?: { action_id?: string; text?: string | { text: string } }[];
}

async function start() {
  bot = await startTestApp({ configYaml: CONFIG });
  const as = slackDriver(bot);
  return { bot, as };
}

let eventSeq = 0;
/** app_home_opened, from the recorded envelope; `shown`: a view of ours is already there. */
async function openHome(
  bot: TestApp,
  user: string,
  { shown = false, tab = 'home' }: { shown?: boolean; tab?: string } = {},
) {
  const envelope = fixture<{ event: Record<string, unknown> } & Record<string, unknown>>(
    'slack/requests/events/app_home_opened.home.slack-web-golden.json',
  );
  const published = bot.slack.views.find((v) => v.method === 'views.publish' && v.user_id === user);
  const body = {
    ...envelope,
    team_id: bot.slack.teamId,
    api_app_id: bot.slack.appId,
    event_id: `Ev0HOME${++eventSeq}`,
    event: {
      ...envelope.event,
      user,
      tab,
      ...(shown && published
        ? { view: { id: published.id, type: 'home', hash: published.hash } }
        : {}),
    },
  };
  const res = await sendEvent(bot.base, SIGNING_SECRET, body);
  expect(res.status).toBe(200);
}

const publishes = (bot: TestApp, user: string) =>
  bot.slack.findCalls('views.publish').filter((c) => c.args.user_id === user && c.ok).length;

/** The blocks of `user`'s Home tab as Slack holds them now. */
function home(bot: TestApp, user: string): HomeBlock[] {
  const view = bot.slack.views.find((v) => v.method === 'views.publish' && v.user_id === user);
  return (view?.view.blocks ?? []) as HomeBlock[];
}
const homeText = (bot: TestApp, user: string) =>
  home(bot, user)
    .map((b) => b.text?.text ?? '')
    .join('\n');

async function clickOnHome(bot: TestApp, user: string, actionId: string, value: string) {
  const res = await sendBlockAction(
    bot.base,
    SIGNING_SECRET,
    blockActionPayload({
      user,
      view: { type: 'home', callback_id: '' },
      actions: [{ action_id: actionId, value }],
      trigger_id: bot.slack.triggerId(),
    }),
  );
  expect(res.status).toBe(200);
}

test('the Home tab shows open incidents worst first with owners by name, freezes, the deploys of my services and my follow-ups; titles and names escaped; private ones only to members', async () => {
  const { bot, as } = await start();
  bot.slack.addUser({ id: EVE, name: 'eve <!channel> & co' });
  await as.command('declare sev3 Slow search');
  await as.command('declare sev1 <!channel> checkout & <b>payments</b> down', { user: BOB });
  await as.command('declare --private sev2 Payroll leak', { user: CAROL });
  const search = await as.channelOf(1);
  const down = await as.channelOf(2);
  await as.command(`owner <@${EVE}|eve>`, { channel: search });
  await as.command(`followup Add an index to search <@${ALICE}|alice>`, { channel: search });
  await as.command(`followup Page the payments team earlier <@${BOB}|bob>`, { channel: down });
  await postDeploy(bot, { id: 'd1', service: 'checkout', version: 'v41.0.0', minutesAgo: 90 });
  await postDeploy(bot, { id: 'd2', service: 'checkout', version: 'v42.0.0', minutesAgo: 30 });
  await postDeploy(bot, { id: 'd3', service: 'payments', version: 'v7', minutesAgo: 20 });
  const freeze = await deployCommand(bot, {
    user: ALICE,
    channel: down,
    text: 'freeze checkout production 1h Holiday <!here> freeze',
    responseId: 'freeze',
  });
  expect(freeze.status).toBe(200);
  await eventually(async () => {
    const res = await bot.get('/api/v1/freeze-status?service=checkout&environment=production');
    return ((await res.json()) as { frozen: boolean }).frozen;
  });
  expect(await bot.settle()).toBe(true);

  await openHome(bot, ALICE);
  await eventually(() => publishes(bot, ALICE) === 1);
  const blocks = home(bot, ALICE);
  const text = homeText(bot, ALICE);
  // Worst first: INC-2 (sev1) before INC-1 (sev3); CAROL's private INC-3 is not ALICE's to see.
  expect(text.indexOf('*INC-2*')).toBeGreaterThan(-1);
  expect(text.indexOf('*INC-2*')).toBeLessThan(text.indexOf('*INC-1*'));
  expect(text).not.toContain('INC-3');
  expect(text).not.toContain('Payroll');
  expect(text).toContain('Open incidents (2)');
  // Escaped: no broadcast, no bold tags, and the owner by name, escaped too.
  expect(text).toContain('&lt;!channel&gt; checkout &amp; &lt;b&gt;payments&lt;/b&gt; down');
  expect(text).not.toMatch(/<!channel>|<!here>/);
  expect(text).toContain('owner *eve &lt;!channel&gt; &amp; co*');
  expect(text).toContain('owner *bob*');
  expect(text).toContain(`<#${down}>`);
  expect(text).toMatch(/opened <!date\^\d+\^\{ago\}\|\d+ min ago>/);
  // The freeze with its expiry; the deploys of checkout (ALICE owns it), newest first, not payments.
  expect(text).toMatch(/🧊 \*#1\* checkout × production until <!date\^\d+\^/);
  expect(text).toContain('Holiday &lt;!here&gt; freeze');
  expect(text.indexOf('v42.0.0')).toBeLessThan(text.indexOf('v41.0.0'));
  expect(text).toContain('*checkout*');
  expect(text).not.toContain('v7');
  // ALICE's follow-up with its Done button; BOB's is not on her home.
  const done = blocks.filter((b) => b.accessory?.action_id === actions.homeFollowupDone);
  expect(done.map((b) => b.text?.text)).toEqual([
    expect.stringContaining('Add an index to search'),
  ]);
  expect(text).not.toContain('Page the payments team');
  expect(blocks[1]?.elements?.[0]?.action_id).toBe(actions.homeDeclare);

  // CAROL is in her private incident's channel: she sees it, marked.
  await openHome(bot, CAROL);
  await eventually(() => publishes(bot, CAROL) === 1);
  expect(homeText(bot, CAROL)).toContain('🔒 *INC-3* Payroll leak');
  // BOB sees his own services' deploys and follow-up.
  await openHome(bot, BOB);
  await eventually(() => publishes(bot, BOB) === 1);
  expect(homeText(bot, BOB)).toContain('v7');
  expect(homeText(bot, BOB)).toContain('Page the payments team');
});

test('Done on the Home tab marks the follow-up done and the home is published again without it; Declare incident opens the form', async () => {
  const { bot, as } = await start();
  await as.command('declare sev2 Checkout slow');
  const channel = await as.channelOf(1);
  await as.command(`followup Add a canary stage <@${ALICE}|alice>`, { channel });
  await openHome(bot, ALICE);
  await eventually(() => publishes(bot, ALICE) === 1);
  const button = home(bot, ALICE).find((b) => b.accessory?.action_id === actions.homeFollowupDone);
  expect(button?.accessory?.value).toBe('1');

  await clickOnHome(bot, ALICE, actions.homeFollowupDone, button?.accessory?.value ?? '');
  await eventually(() => publishes(bot, ALICE) === 2);
  expect((await bot.app.store.read((tx) => findFollowup(tx, 1)))?.state).toBe('done');
  expect(homeText(bot, ALICE)).toContain('Your open follow-ups (0)');
  expect(homeText(bot, ALICE)).not.toContain('canary');
  await as.timelineEntry(1, 'followup_changed');
  // A stale or forged button: nothing breaks, the home is published again.
  await clickOnHome(bot, ALICE, actions.homeFollowupDone, '999');
  await eventually(() => publishes(bot, ALICE) === 3);

  await clickOnHome(bot, ALICE, actions.homeDeclare, 'declare');
  const modal = await eventually(
    () => [...bot.slack.views].reverse().find((v) => v.method === 'views.open')?.view,
  );
  expect(modal.callback_id).toBe(views.declare);
});

test('many changes make one views.publish per viewer per sweep; nothing changed, nothing published; the Messages tab is ignored', async () => {
  const { bot, as } = await start();
  await as.command('declare sev3 Slow search');
  const channel = await as.channelOf(1);
  await openHome(bot, ALICE);
  await openHome(bot, BOB);
  await openHome(bot, CAROL, { tab: 'messages' });
  await eventually(() => publishes(bot, ALICE) === 1 && publishes(bot, BOB) === 1);
  expect(await bot.settle()).toBe(true);
  expect(publishes(bot, CAROL)).toBe(0);
  const sweep = bot.app.jobs.find((j) => j.name === 'home-refresh');
  if (!sweep) throw new Error('no home-refresh job');

  // Opening it again with our view still there, and nothing changed: no call at all.
  await openHome(bot, ALICE, { shown: true });
  await sweep.run();
  expect(await bot.settle()).toBe(true);
  expect(publishes(bot, ALICE)).toBe(1);

  // A burst of changes every home shows.
  for (const sev of ['sev2', 'sev1', 'sev2', 'sev1']) await as.command(`sev ${sev}`, { channel });
  for (const state of ['identified', 'monitoring', 'investigating'])
    await as.command(`state ${state}`, { channel });
  for (let n = 1; n <= 5; n++) await as.command(`declare sev4 Burst ${n}`);
  await as.timelineEntry(6, 'incident_declared');
  await as.channelOf(6);

  await sweep.run();
  await sweep.run(); // a second sweep while the first refresh waits: still one item per viewer
  expect(await bot.settle()).toBe(true);
  expect(publishes(bot, ALICE)).toBe(2);
  expect(publishes(bot, BOB)).toBe(2);
  expect(homeText(bot, ALICE)).toContain('Open incidents (6)');
  expect(homeText(bot, ALICE)).toMatch(/🔴 SEV1 \*INC-1\*/);

  await sweep.run();
  expect(await bot.settle()).toBe(true);
  expect(publishes(bot, ALICE)).toBe(2);
  expect(publishes(bot, BOB)).toBe(2);
});

test('a crowded home stays within 100 blocks and says how many it left out', async () => {
  const { bot } = await start();
  const at = new Date();
  await bot.app.store.tx(async (tx) => {
    for (let n = 1; n <= 35; n++) {
      const id = await insertIncident(tx, {
        title: `Crowded ${n}`,
        severity: 'sev3',
        state: 'investigating',
        ownerId: ALICE,
        environment: 'production',
        source: 'declared',
        declaredAt: at,
        createdAt: at,
        updatedAt: at,
      });
      await insertFollowup(tx, {
        incidentId: id,
        text: `Follow-up ${n}`,
        ownerId: ALICE,
        createdBy: ALICE,
        createdAt: at,
        updatedAt: at,
      });
    }
  });
  await openHome(bot, ALICE);
  await eventually(() => publishes(bot, ALICE) === 1);
  const blocks = home(bot, ALICE);
  expect(blocks.length).toBeLessThanOrEqual(100);
  const context = JSON.stringify(blocks.filter((b) => b.type === 'context'));
  expect(context).toContain('and 15 more');
  expect(blocks.filter((b) => b.accessory?.action_id === actions.homeFollowupDone)).toHaveLength(
    20,
  );
});
