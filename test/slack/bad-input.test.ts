import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { actions, fields, views } from '../../src/slack/ids.js';
import { listDeliveries } from '../../src/store/deliveries.js';
import { countIncidents } from '../../src/store/incident-reads.js';
import { findIncident } from '../../src/store/incidents.js';
import { list } from '../../src/timeline/timeline.js';
import { SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, BOB, GENERAL, type SlackDriver, slackDriver } from '../support/slack-driver.js';
import {
  eventEnvelope,
  sendEvent,
  sendSlashCommand,
  slashCommandFields,
} from '../support/slack-requests.js';

// One bot for the file; each test declares its own incident where it needs one.
let bot: TestApp;
let as: SlackDriver;
beforeAll(async () => {
  bot = await startTestApp();
  as = slackDriver(bot);
});
afterAll(() => bot.stop());

let incident: { id: number; channel: string };
beforeEach(async () => {
  const reply = await (await as.command('declare sev2 Payments are failing')).reply();
  const id = Number(/INC-(\d+)/.exec(reply)?.[1]);
  incident = { id, channel: await as.channelOf(id) };
});

/** Everything that could have changed: the record and the timeline. */
const snapshot = async (id: number) => ({
  incident: await bot.app.store.read((tx) => findIncident(tx, id)),
  timeline: (await bot.app.store.read((tx) => list(tx, id))).length,
});

test('an unknown subcommand answers with the help text, generated from the table', async () => {
  const sent = await as.command('frobnicate now', { channel: incident.channel });
  expect(sent.status).toBe(200);
  const help = await sent.reply();
  expect(help).toMatch(/^I don't know `\/incident frobnicate`/);
  for (const sub of [
    'declare',
    'sev',
    'owner',
    'state',
    'status',
    'note',
    'resolve',
    'list',
    'help',
  ])
    expect(help).toContain(`\`/incident ${sub}`);
  expect(await (await as.command('')).reply()).toMatch(/^\*\/incident\* — what you can do/);
});

test.each([
  ['sev 7', /`7` is not a severity. Use sev1, sev2, sev3 or sev4/],
  ['sev', /`\(nothing\)` is not a severity/],
  ['owner', /Say who: `\/incident owner @name`/],
  ['owner bob', /`bob` is not a Slack user/],
  ['state fixed', /`fixed` is not a state. Use `investigating`, `identified`, `monitoring`/],
  ['state resolved', /Use `\/incident resolve \[summary\]`/],
  ['state triage', /`triage` is not a state/],
  ['note', /A note needs some text/],
])('`/incident %s` says what is wrong and changes nothing', async (text, message) => {
  const before = await snapshot(incident.id);
  const sent = await as.command(text, { channel: incident.channel });
  expect(await sent.reply()).toMatch(message);
  expect(sent.replies()[0]?.response_type).toBe('ephemeral');
  expect(await snapshot(incident.id)).toEqual(before);
});

test('a title over the limit, or a made-up severity, declares nothing', async () => {
  const count = async () => await bot.app.store.read((tx) => countIncidents(tx));
  const before = await count();
  const long = await as.command(`declare sev1 ${'x'.repeat(151)}`);
  expect(await long.reply()).toMatch(/The title is 151 characters; keep it under 150/);
  const made = await as.command('declare sev7 Database down');
  expect(await made.reply()).toMatch(/`sev7` is not a severity/);
  expect(await count()).toBe(before);
});

test('incident commands outside an incident channel say where to run them', async () => {
  const before = await snapshot(incident.id);
  for (const sub of [
    'sev 1',
    'owner me',
    'status all good',
    'note x',
    'resolve done',
    'state identified',
  ]) {
    const sent = await as.command(sub, { channel: GENERAL });
    expect(await sent.reply()).toMatch(
      /works inside an incident channel. Run it there, or use `\/incident list`/,
    );
  }
  expect(await snapshot(incident.id)).toEqual(before);
});

test('a form with empty required fields comes back with field errors and changes nothing', async () => {
  const before = await bot.app.store.read((tx) => countIncidents(tx));
  const declare = await as.submit(views.declare, {
    [fields.title]: '   ',
    [fields.severity]: { selected_option: null },
  });
  expect(declare.status).toBe(200);
  expect(declare.json()).toEqual({
    response_action: 'errors',
    errors: { [fields.title]: 'Give the incident a title.', [fields.severity]: 'Pick a severity.' },
  });
  const long = await as.submit(views.declare, {
    [fields.title]: 'y'.repeat(151),
    [fields.severity]: { selected_option: { value: 'sev2' } },
  });
  expect(long.json()).toMatchObject({
    errors: { [fields.title]: 'Keep the title under 150 characters (it has 151).' },
  });
  expect(await bot.app.store.read((tx) => countIncidents(tx))).toBe(before);

  const state = await snapshot(incident.id);
  const resolve = await as.submit(
    views.resolve,
    { [fields.summary]: '' },
    { metadata: { incidentId: incident.id } },
  );
  expect(resolve.json()).toEqual({
    response_action: 'errors',
    errors: { [fields.summary]: 'Say in a sentence what fixed it.' },
  });
  const update = await as.submit(
    views.statusUpdate,
    { [fields.update]: ' ' },
    { metadata: { incidentId: incident.id } },
  );
  expect(update.json()).toMatchObject({ errors: { [fields.update]: 'Write the update.' } });
  expect(await snapshot(incident.id)).toEqual(state);
});

test('double clicks and double submissions have one effect', async () => {
  // Acknowledge on a triage incident, clicked twice at once by two people.
  bot.app.sqlite
    .prepare('UPDATE incidents SET state = ?, acknowledged_at = NULL, owner_id = NULL WHERE id = ?')
    .run('triage', incident.id);
  const clicks = await Promise.all([
    as.click(actions.acknowledge, String(incident.id), { channel: incident.channel }),
    as.click(actions.acknowledge, String(incident.id), { user: BOB, channel: incident.channel }),
  ]);
  expect(clicks.map((c) => c.status)).toEqual([200, 200]);
  await as.timelineEntry(incident.id, 'acknowledged');
  await as.click(actions.takeCommand, String(incident.id), { channel: incident.channel });
  await bot.app.outbox.drain();
  const kinds = async () =>
    (await bot.app.store.read((tx) => list(tx, incident.id))).map((e) => e.kind);
  expect((await kinds()).filter((k) => k === 'acknowledged')).toHaveLength(1);

  // The resolve form submitted twice.
  const owner = (await bot.app.store.read((tx) => findIncident(tx, incident.id)))?.ownerId ?? ALICE;
  const submit = () =>
    as.submit(
      views.resolve,
      { [fields.summary]: 'Fixed the card processor config' },
      { user: owner, metadata: { incidentId: incident.id } },
    );
  const [first, second] = await Promise.all([submit(), submit()]);
  expect([first.status, second.status]).toEqual([200, 200]);
  expect((await kinds()).filter((k) => k === 'resolved')).toHaveLength(1);
  await bot.app.outbox.drain();
  const resolvedMessages = bot.slack
    .messages(incident.channel)
    .filter((m) => m.text.includes(`resolved INC-${incident.id}.`));
  expect(resolvedMessages).toHaveLength(1);
});

test('a Slack retry of an event (same event_id, X-Slack-Retry-Num) is claimed once', async () => {
  const envelope = eventEnvelope(
    { type: 'app_mention', user: ALICE, text: 'hi', ts: '1.000001', channel: GENERAL },
    { event_id: 'Ev0RETRY001' },
  );
  const sentAt = Math.floor(Date.now() / 1000);
  const first = await sendEvent(bot.base, SIGNING_SECRET, envelope, {}, { timestamp: sentAt });
  // Slack signs each delivery attempt with its own timestamp (an identical copy is a replay,
  // refused before this point: test/slack/replay.test.ts).
  const retry = await sendEvent(
    bot.base,
    SIGNING_SECRET,
    envelope,
    { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    { timestamp: sentAt + 3 },
  );
  expect([first.status, retry.status]).toEqual([200, 200]);
  const claims = await bot.app.store.read((tx) => listDeliveries(tx));
  expect(claims.filter((d) => d.deliveryId === 'Ev0RETRY001')).toHaveLength(1);
});

test('unsigned, wrongly signed and stale Slack requests get 401 and change nothing', async () => {
  const before = await snapshot(incident.id);
  const fieldsFor = (text: string) =>
    slashCommandFields({
      text,
      channel_id: incident.channel,
      response_url: bot.slack.responseUrl('unsigned'),
    });
  const wrong = await sendSlashCommand(bot.base, 'not-the-secret', fieldsFor('sev 1'));
  const stale = await sendSlashCommand(bot.base, SIGNING_SECRET, fieldsFor('sev 1'), {
    timestamp: Math.floor(Date.now() / 1000) - 10 * 60,
  });
  const unsigned = await fetch(`${bot.base}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fieldsFor('sev 1')).toString(),
  });
  expect([wrong.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);
  await new Promise((r) => setTimeout(r, 100));
  expect(bot.slack.responsesTo('unsigned')).toEqual([]);
  expect(await snapshot(incident.id)).toEqual(before);
});
