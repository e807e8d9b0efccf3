import { afterEach, expect, test } from 'vitest';
import { actions, views } from '../../src/slack/ids.js';
import { findIncident } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ALICE, BOB, CAROL, slackDriver } from '../support/slack-driver.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

// Carol commands through the S0LEADS01 user group; Dana is a deployer by user id.
const CONFIG = `
permissions:
  commanders: [S0LEADS01]
  deployers: [U0DANA0001]
`;

async function setup() {
  bot = await startTestApp({ configYaml: CONFIG });
  bot.slack.setUserGroup('S0LEADS01', [CAROL]);
  const as = slackDriver(bot);
  await as.command('declare sev2 Search results are empty');
  const channel = await as.channelOf(1);
  return { bot, as, channel };
}

const denials = async (bot: TestApp) =>
  (await bot.app.store.read((tx) => list(tx, 1)))
    .filter((e) => e.kind === 'permission_denied')
    .map((e) => [e.actor, e.payload.action]);

test('someone other than the owner may not lower the severity, hand over or resolve: an ephemeral "not allowed" and an audit entry', async () => {
  const { bot, as, channel } = await setup();

  const lower = await as.command('sev 4', { user: BOB, channel });
  expect(await lower.reply()).toBe(
    `⚠️ You are not allowed to lower the severity of INC-1. Ask <@${ALICE}> or a configured commander.`,
  );
  expect(lower.replies()[0]).toMatchObject({ response_type: 'ephemeral' });

  const handover = await as.command(`owner <@${BOB}>`, { user: BOB, channel });
  expect(await handover.reply()).toMatch(/not allowed to change the owner of INC-1/);
  const take = await as.click(actions.takeCommand, '1', { user: BOB, channel });
  expect(await take.reply()).toMatch(/not allowed to change the owner of INC-1/);
  expect(take.replies()[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });

  // The Resolve button refuses before the form opens, so nobody writes a summary for nothing.
  const opened = bot.slack.views.length;
  const resolve = await as.click(actions.resolve, '1', { user: BOB, channel });
  expect(await resolve.reply()).toMatch(/not allowed to resolve INC-1/);
  expect(bot.slack.views).toHaveLength(opened);
  const typed = await as.command('resolve it was DNS', { user: BOB, channel });
  expect(await typed.reply()).toMatch(/not allowed to resolve INC-1/);
  // A resolve form submitted anyway (an old form, a forged payload) is refused inside the form.
  const forged = await as.submit(
    views.resolve,
    { resolve_summary: 'it was DNS' },
    { user: BOB, metadata: { incidentId: 1 } },
  );
  expect(forged.json()).toMatchObject({
    response_action: 'errors',
    errors: { resolve_summary: expect.stringMatching(/not allowed to resolve INC-1/) },
  });

  expect(await bot.app.store.read((tx) => findIncident(tx, 1))).toMatchObject({
    severity: 'sev2',
    ownerId: ALICE,
    state: 'investigating',
  });
  expect(await denials(bot)).toEqual([
    [BOB, 'lower the severity of'],
    [BOB, 'change the owner of'],
    [BOB, 'change the owner of'],
    [BOB, 'resolve'],
    [BOB, 'resolve'],
    [BOB, 'resolve'],
  ]);

  // Raising the severity is open to everyone.
  await as.command('sev 1', { user: BOB, channel });
  await as.timelineEntry(1, 'severity_changed');
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.severity).toBe('sev1');
});

test('members of a configured user group and configured user ids act for the owner; group membership is cached', async () => {
  const { bot, as, channel } = await setup();

  await as.command('sev 3', { user: CAROL, channel });
  await as.timelineEntry(1, 'severity_changed');
  await as.command('owner <@U0DANA0001|dana>', { user: CAROL, channel });
  await as.timelineEntry(1, 'owner_changed');
  expect(await bot.app.store.read((tx) => findIncident(tx, 1))).toMatchObject({
    severity: 'sev3',
    ownerId: 'U0DANA0001',
  });

  // Carol leaves the group; within the cache's few minutes she still counts as a member.
  bot.slack.setUserGroup('S0LEADS01', []);
  await as.command('sev 4', { user: CAROL, channel });
  await as.timelineEntry(1, 'severity_changed', 1);
  expect(bot.slack.findCalls('usergroups.users.list')).toHaveLength(1);
  expect(bot.slack.findCalls('usergroups.users.list')[0]?.args).toMatchObject({
    usergroup: 'S0LEADS01',
  });

  // Dana owns it now, so the refusal names her.
  const denied = await as.command('resolve done', { user: BOB, channel });
  expect(await denied.reply()).toMatch(/not allowed to resolve INC-1. Ask <@U0DANA0001>/);
  expect(await denials(bot)).toEqual([[BOB, 'resolve']]);
});

test('when Slack cannot list a user group, its members are treated as non-members (the safe side)', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  bot.slack.setUserGroup('S0LEADS01', [CAROL]);
  bot.slack.failNext('usergroups.users.list', { error: 'missing_scope' }, 100);
  const as = slackDriver(bot);
  await as.command('declare sev2 Search results are empty');
  const channel = await as.channelOf(1);
  const lower = await as.command('sev 4', { user: CAROL, channel });
  expect(await lower.reply()).toMatch(/not allowed to lower the severity/);
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.severity).toBe('sev2');
  // Declaring needs no privilege, so it worked all along.
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.ownerId).toBe(ALICE);
});
