// Private incidents through the real Bolt receiver, the real WebClient and the Slack emulator.
import { afterEach, expect, test } from 'vitest';
import { fields, views } from '../../src/slack/ids.js';
import { findIncident } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import {
  API_TOKEN,
  eventually,
  SIGNING_SECRET,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { ALICE, BOB, CAROL, slackDriver } from '../support/slack-driver.js';
import { eventEnvelope, sendEvent } from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const ANNOUNCE = 'C0ANNOUNCE';
// CAROL commands incidents; BOB deploys (a deployer may not make an incident public).
const CONFIG = `
incidents:
  announceChannel: ${ANNOUNCE}
permissions:
  commanders: [${CAROL}]
  deployers: [${BOB}]
services:
  payroll: {}
`;
const TITLE = 'Payroll export leaks salaries';

async function start() {
  bot = await startTestApp({ configYaml: CONFIG });
  bot.slack.addChannel({ id: ANNOUNCE, name: 'incidents', members: [bot.slack.botUserId] });
  return { bot, as: slackDriver(bot) };
}

/** The incident lines `/incident list` shows to `user`. */
async function listFor(as: ReturnType<typeof slackDriver>, user: string): Promise<string> {
  const sent = await as.command('list', { user });
  await sent.reply();
  return JSON.stringify(sent.replies()[0]);
}

/** member_joined_channel / member_left_channel as Slack delivers them (fixture's shape). */
async function memberEvent(
  bot: TestApp,
  type: 'member_joined_channel' | 'member_left_channel',
  user: string,
  channel: string,
) {
  const shape = fixture<Record<string, string>>(
    'slack/requests/events/member_joined_channel.event-only.json',
  );
  const { inviter, ...rest } = shape;
  const event = {
    ...rest,
    ...(type === 'member_joined_channel' ? { inviter } : {}),
    type,
    user,
    channel,
    channel_type: 'G', // a private channel
    team: bot.slack.teamId,
  };
  const res = await sendEvent(bot.base, SIGNING_SECRET, eventEnvelope(event));
  expect(res.status).toBe(200);
}

const api = (bot: TestApp, path: string) => bot.get(path, { authorization: `Bearer ${API_TOKEN}` });

test('`/incident declare --private` makes a private channel, posts nothing in the announce channel, and the title stays out of every public place', async () => {
  const { bot, as } = await start();
  await as.command('declare sev2 Checkout slow'); // a public one beside it
  const sent = await as.command(`declare --private sev1 ${TITLE}`);
  expect(await sent.reply()).toMatch(/Declared private incident \*INC-2\*/);
  const channel = await as.channelOf(2);
  await as.channelOf(1);
  await as.command('status Rotating the export credentials', { channel });
  await as.timelineEntry(2, 'status_update');
  expect(await bot.settle()).toBe(true);

  expect(bot.slack.channel(channel)?.is_private).toBe(true);
  expect(bot.slack.channel((await as.channelOf(1)) ?? '')?.is_private).toBe(false);
  expect(await bot.app.store.read((tx) => findIncident(tx, 2))).toMatchObject({
    private: true,
    severity: 'sev1',
    title: TITLE,
  });
  const declared = (await bot.app.store.read((tx) => list(tx, 2)))[0];
  expect(declared).toMatchObject({ kind: 'incident_declared', payload: { private: true } });
  // The card is in the private channel; the announce channel only knows the public incident.
  expect(JSON.stringify(bot.slack.pinnedMessages(channel))).toContain(TITLE);
  const announced = JSON.stringify(bot.slack.messages(ANNOUNCE));
  expect(announced).toContain('INC-1');
  expect(announced).not.toContain('INC-2');
  expect(announced).not.toContain('Payroll');
  expect(announced).not.toContain('Rotating');
  // No public channel anywhere holds the title.
  for (const c of bot.slack.state.channels.values())
    if (!c.is_private) expect(JSON.stringify(bot.slack.messages(c.id))).not.toContain('Payroll');
});

test('the form\'s "Private incident" box declares a private incident; `declare --private` without a title opens the form with it ticked', async () => {
  const { bot, as } = await start();
  await as.command('declare --private');
  const modal = await eventually(() => as.lastModal());
  const box = (
    modal.blocks as { block_id: string; element: { initial_options?: unknown[] } }[]
  ).find((b) => b.block_id === fields.private);
  expect(box?.element.initial_options).toHaveLength(1);
  await as.submit(views.declare, {
    [fields.title]: TITLE,
    [fields.severity]: { selected_option: { value: 'sev2' } },
    [fields.private]: { type: 'checkboxes', selected_options: [{ value: 'private' }] },
  });
  const channel = await as.channelOf(1);
  expect(bot.slack.channel(channel)?.is_private).toBe(true);
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.private).toBe(true);
  await as.submit(views.declare, {
    [fields.title]: 'Search is slow',
    [fields.severity]: { selected_option: { value: 'sev3' } },
    [fields.private]: { type: 'checkboxes', selected_options: [] },
  });
  expect(bot.slack.channel(await as.channelOf(2))?.is_private).toBe(false);
  expect(JSON.stringify(bot.slack.messages(ANNOUNCE))).toContain('Search is slow');
  expect(JSON.stringify(bot.slack.messages(ANNOUNCE))).not.toContain('Payroll');
});

test('`/incident list` shows a private incident only to the members of its channel, as Slack says they join and leave', async () => {
  const { bot, as } = await start();
  await as.command(`declare --private sev1 ${TITLE}`);
  await as.command('declare sev3 Search is slow');
  const channel = await as.channelOf(1);
  await as.channelOf(2);

  expect(await listFor(as, ALICE)).toContain('Payroll');
  const bobSees = await listFor(as, BOB);
  expect(bobSees).toContain('Search is slow');
  expect(bobSees).not.toContain('Payroll');
  expect(bobSees).not.toContain('INC-1');
  expect(bobSees).toContain('1 open incident');

  bot.slack.channel(channel)?.members.push(BOB);
  await memberEvent(bot, 'member_joined_channel', BOB, channel);
  expect(await eventually(async () => (await listFor(as, BOB)).includes('Payroll'))).toBe(true);
  const members = bot.slack.channel(channel)?.members ?? [];
  members.splice(members.indexOf(BOB), 1);
  await memberEvent(bot, 'member_left_channel', BOB, channel);
  expect(await eventually(async () => !(await listFor(as, BOB)).includes('Payroll'))).toBe(true);
  // A join in a channel that is not an incident's changes nothing.
  await memberEvent(bot, 'member_joined_channel', BOB, 'C0ELSEWHERE');
  expect(await listFor(as, BOB)).not.toContain('Payroll');
});

test('the read API leaves private incidents out unless ?includePrivate=true', async () => {
  const { bot, as } = await start();
  await as.command(`declare --private sev1 ${TITLE}`);
  await as.command('declare sev3 Search is slow');
  await as.channelOf(2);

  const listed = (await (await api(bot, '/api/v1/incidents')).json()) as {
    incidents: { number: number; private: boolean }[];
  };
  expect(listed.incidents.map((i) => i.number)).toEqual([2]);
  const all = (await (await api(bot, '/api/v1/incidents?includePrivate=true')).json()) as {
    incidents: { number: number; private: boolean; title: string }[];
  };
  expect(all.incidents.map((i) => [i.number, i.private])).toEqual([
    [2, false],
    [1, true],
  ]);
  for (const path of ['', '/timeline', '/postmortem']) {
    const hidden = await api(bot, `/api/v1/incidents/1${path}`);
    expect(hidden.status, path).toBe(404);
    expect(await hidden.text()).not.toContain('Payroll');
    expect((await api(bot, `/api/v1/incidents/1${path}?includePrivate=true`)).status, path).toBe(
      200,
    );
  }
  expect((await api(bot, '/api/v1/incidents?includePrivate=yes')).status).toBe(400);
});

test('only the owner and commanders may make it public; then it is listed, in the API and announced, and the record says so', async () => {
  const { bot, as } = await start();
  await as.command(`declare --private sev1 ${TITLE}`);
  const channel = await as.channelOf(1);
  bot.slack.channel(channel)?.members.push(BOB, CAROL);
  await memberEvent(bot, 'member_joined_channel', BOB, channel);

  // BOB is in the channel and a deployer, but neither owner nor commander.
  const refused = await as.command('public', { user: BOB, channel });
  expect(await refused.reply()).toMatch(/not allowed to make INC-1 public/);
  await as.timelineEntry(1, 'permission_denied');
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.private).toBe(true);

  const made = await as.command('public', { user: CAROL, channel });
  expect(await made.reply()).toMatch(/made INC-1 public/);
  expect(made.replies()[0]?.response_type).toBe('in_channel');
  const entry = await as.timelineEntry(1, 'incident_made_public');
  expect(entry).toMatchObject({ actor: CAROL });
  expect(await bot.settle()).toBe(true);

  expect(JSON.stringify(bot.slack.messages(ANNOUNCE))).toContain('Payroll');
  const outsider = 'U0DAVE0001';
  bot.slack.addUser({ id: outsider, name: 'dave' });
  expect(await listFor(as, outsider)).toContain('Payroll');
  const listed = (await (await api(bot, '/api/v1/incidents')).json()) as {
    incidents: { number: number; private: boolean }[];
  };
  expect(listed.incidents).toEqual([expect.objectContaining({ number: 1, private: false })]);
  // The channel itself stays private (converting needs admin APIs).
  expect(bot.slack.channel(channel)?.is_private).toBe(true);
  // Saying it again changes nothing.
  expect(await (await as.command('public', { channel })).reply()).toMatch(/is not private/);
  const postmortem = await (await api(bot, '/api/v1/incidents/1/postmortem')).text();
  expect(postmortem).toContain('Declared as a private incident');
  expect(postmortem).toContain('Made public by');
});

test("who sees it follows its channel even when Slack's member events were missed: every card refresh asks conversations.members", async () => {
  const { bot, as } = await start();
  await as.command(`declare --private sev1 ${TITLE}`);
  const channel = await as.channelOf(1);
  expect(await listFor(as, BOB)).not.toContain('Payroll');

  // BOB is added in Slack while firebreak hears nothing of it; the next refresh finds him.
  bot.slack.channel(channel)?.members.push(BOB);
  await as.command('sev 2', { channel });
  await as.timelineEntry(1, 'severity_changed');
  expect(await bot.settle()).toBe(true);
  expect(await listFor(as, BOB)).toContain('Payroll');

  // And he leaves unnoticed: gone at the next refresh.
  const members = bot.slack.channel(channel)?.members ?? [];
  members.splice(members.indexOf(BOB), 1);
  await as.command('sev 1', { channel });
  await as.timelineEntry(1, 'severity_changed', 1);
  expect(await bot.settle()).toBe(true);
  expect(await listFor(as, BOB)).not.toContain('Payroll');
  expect(await listFor(as, ALICE)).toContain('Payroll');
  expect(bot.slack.findCalls('conversations.members').length).toBeGreaterThanOrEqual(3);
  // Public incidents cost no such call.
  const before = bot.slack.findCalls('conversations.members').length;
  await as.command('declare sev3 Search is slow');
  await as.channelOf(2);
  expect(await bot.settle()).toBe(true);
  expect(bot.slack.findCalls('conversations.members').length).toBe(before);
});
