import { afterEach, expect, test } from 'vitest';
import { actions, fields, views } from '../../src/slack/ids.js';
import { findIncident } from '../../src/store/incidents.js';
import { list, verify } from '../../src/timeline/timeline.js';
import { eventually, INGEST_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { ALICE, BOB, CAROL, cardFields, slackDriver } from '../support/slack-driver.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = `
incidents:
  announceChannel: C0ANNOUNCE
services:
  checkout:
    aliases: [checkout-api]
`;

/** Severity, state and owner as the timeline tells them, replayed from the first entry. */
async function replayTimeline(bot: TestApp, id: number) {
  let severity = '';
  let state = '';
  let owner: string | null = null;
  for (const e of await bot.app.store.read((tx) => list(tx, id))) {
    const p = e.payload as Record<string, string | null>;
    switch (e.kind) {
      case 'incident_declared':
      case 'incident_opened':
        severity = p.severity ?? '';
        state = e.kind === 'incident_declared' ? 'investigating' : 'triage';
        owner = p.ownerId ?? null;
        break;
      case 'severity_changed':
        severity = p.to ?? '';
        break;
      case 'owner_changed':
        owner = p.to ?? null;
        break;
      case 'state_changed':
        state = p.to ?? '';
        break;
      case 'acknowledged':
        if (state === 'triage') state = 'investigating';
        break;
      case 'mitigated':
        state = 'monitoring';
        break;
      case 'resolved':
        state = 'resolved';
        break;
    }
  }
  return { severity, state, owner };
}

/** The pinned card, the timeline and the record say the same thing. */
async function expectCardAgrees(bot: TestApp, id: number, channelId: string) {
  expect(await bot.app.outbox.drain(10_000)).toBe(true);
  const card = cardFields(bot, channelId);
  const told = await replayTimeline(bot, id);
  const record = await bot.app.store.read((tx) => findIncident(tx, id));
  expect(record).toMatchObject({ severity: told.severity, state: told.state, ownerId: told.owner });
  expect(card.severity).toContain(told.severity.toUpperCase());
  expect(card.state?.toLowerCase()).toBe(told.state);
  expect(card.owner).toBe(told.owner ? `<@${told.owner}>` : '_unassigned_');
  return card;
}

test('a declared incident is handed over, updated, re-severitied, mitigated and resolved from Slack alone; card and timeline agree at every step', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const { slack } = bot;
  slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  const as = slackDriver(bot);

  const declared = await as.command('declare sev2 Checkout is slow');
  expect(declared.status).toBe(200);
  expect(await declared.reply()).toMatch(/Declared \*INC-1\* Checkout is slow/);
  const channel = await as.channelOf(1);
  expect(slack.channel(channel)?.name).toBe('inc-1-checkout-is-slow');
  expect(slack.channel(channel)?.members).toContain(ALICE);
  let card = await expectCardAgrees(bot, 1, channel);
  expect(card).toMatchObject({ state: 'Investigating', owner: `<@${ALICE}>` });
  expect(card.milestones).toContain('Acknowledged');
  const cardTs = card.ts;

  // Handed over: the owner gives it to Bob, who is invited.
  await as.command(`owner <@${BOB}|bob>`, { channel });
  await as.timelineEntry(1, 'owner_changed');
  card = await expectCardAgrees(bot, 1, channel);
  expect(card.owner).toBe(`<@${BOB}>`);
  await eventually(() => slack.channel(channel)?.members.includes(BOB));

  // Updated: in the channel and the announce channel.
  await as.command('status Rolled back checkout to v41 &amp; errors are falling', {
    user: BOB,
    channel,
  });
  await as.timelineEntry(1, 'status_update');
  await expectCardAgrees(bot, 1, channel);
  // `&` is escaped in the fallback text like in the blocks; Slack shows it as `&`.
  const update = (c: string) =>
    slack.messages(c).find((m) => m.text.includes('Rolled back checkout to v41 &amp; errors'));
  expect(update(channel)).toBeDefined();
  expect(update('C0ANNOUNCE')).toBeDefined();

  // Re-severitied: up by anyone, down by the owner.
  await as.command('sev 1', { user: CAROL, channel });
  await as.timelineEntry(1, 'severity_changed');
  expect((await expectCardAgrees(bot, 1, channel)).severity).toContain('SEV1');
  await as.click(actions.severity, '1:sev3', { user: BOB, channel, selected: true });
  await as.timelineEntry(1, 'severity_changed', 1);
  expect((await expectCardAgrees(bot, 1, channel)).severity).toContain('SEV3');

  // Mitigated, then resolved through the Resolve button and its form.
  await as.command('state monitoring', { user: BOB, channel });
  await as.timelineEntry(1, 'state_changed');
  card = await expectCardAgrees(bot, 1, channel);
  expect(card.milestones).toContain('Mitigated');

  await as.click(actions.resolve, '1', { user: BOB, channel });
  const modal = await eventually(
    () => as.lastModal()?.callback_id === views.resolve && as.lastModal(),
  );
  const submitted = await as.submit(
    views.resolve,
    { [fields.summary]: 'Rolled back v42; the connection pool fix follows.' },
    { user: BOB, metadata: JSON.parse(modal.private_metadata ?? '{}') },
  );
  expect(submitted.status).toBe(200);
  expect(submitted.body).toBe('');
  card = await expectCardAgrees(bot, 1, channel);
  expect(card).toMatchObject({ state: 'Resolved', buttons: [] });
  expect(card.milestones).toContain('Resolved');

  // Updated in place all along: one card, the same message, never reposted.
  expect(card.ts).toBe(cardTs);
  const cards = slack
    .messages(channel)
    .filter((m) => JSON.stringify(m.blocks).includes('card_header'));
  expect(cards).toHaveLength(1);
  expect(slack.channel(channel)?.topic.value).toMatch(/Resolved/);
  const announcement = slack.messages('C0ANNOUNCE').filter((m) => m.text.startsWith('INC-1'));
  expect(announcement).toHaveLength(1);
  expect(JSON.stringify(announcement[0]?.blocks)).toContain('Resolved after');
  expect(slack.messages(channel).some((m) => m.text.includes(`<@${BOB}> resolved INC-1.`))).toBe(
    true,
  );

  expect((await bot.app.store.read((tx) => list(tx, 1))).map((e) => e.kind)).toEqual([
    'incident_declared',
    'channel_created',
    'owner_changed',
    'status_update',
    'severity_changed',
    'severity_changed',
    'state_changed',
    'resolved',
  ]);
  expect((await bot.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('an alert-created incident is acknowledged and taken over from its card buttons', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  bot.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  const as = slackDriver(bot);
  const res = await bot.post(
    '/webhooks/alerts',
    {
      dedupeKey: 'checkout-5xx',
      title: 'High 5xx on checkout',
      service: 'search',
      severity: 'critical',
    },
    { authorization: `Bearer ${INGEST_TOKEN}` },
  );
  expect(res.status).toBe(202);
  const channel = await as.channelOf(1);
  let card = await expectCardAgrees(bot, 1, channel);
  expect(card).toMatchObject({ state: 'Triage', owner: '_unassigned_' });
  expect(card.buttons).toContain(actions.acknowledge);

  await as.click(actions.acknowledge, '1', { user: CAROL, channel });
  await as.timelineEntry(1, 'acknowledged');
  card = await expectCardAgrees(bot, 1, channel);
  expect(card).toMatchObject({ state: 'Investigating', owner: `<@${CAROL}>` });
  expect(card.buttons).not.toContain(actions.acknowledge);
  expect(card.milestones).toContain('Acknowledged');

  const again = await as.command('owner me', { user: CAROL, channel });
  expect(await again.reply()).toBe(`<@${CAROL}> already owns INC-1.`);
  await as.command(`owner <@${ALICE}>`, { user: CAROL, channel });
  await as.timelineEntry(1, 'owner_changed', 1);
  card = await expectCardAgrees(bot, 1, channel);
  expect(card.owner).toBe(`<@${ALICE}>`);
  expect(
    bot.slack.messages(channel).some((m) => m.text.includes(`handed INC-1 to <@${ALICE}>`)),
  ).toBe(true);
  expect((await bot.app.store.read((tx) => findIncident(tx, 1)))?.acknowledgedAt).not.toBeNull();
});
