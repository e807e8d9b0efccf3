import { afterEach, expect, test } from 'vitest';
import { findIncident } from '../../src/store/incidents.js';
import { verify } from '../../src/timeline/timeline.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';

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
    owners: [U0OWNER01]
`;

test('an Alertmanager notification becomes one incident channel with the card pinned, topic set, owner invited and an announcement', async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  bot.slack.addUser({ id: 'U0OWNER01', name: 'dana' });
  bot.slack.addChannel({ id: 'C0ANNOUNCE', name: 'incidents' });
  const body = fixture<Record<string, unknown>>('alertmanager/zulip.alert.json');
  const alerts = (body.alerts as Record<string, unknown>[]).map((a) => ({
    ...a,
    labels: { ...(a.labels as object), service: 'checkout-api' },
  }));
  const res = await bot.post('/webhooks/alertmanager', { ...body, alerts });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ accepted: 2, id: 1 });

  const { slack } = bot;
  const channel = await eventually(() => slack.channelByName('inc-1-high-cpu-core-temperature'));
  const pinned = await eventually(() => slack.pinnedMessages(channel.id)[0]);
  const blocks = JSON.stringify(pinned.blocks);
  expect(blocks).toContain('INC-1 · High CPU core temperature');
  expect(blocks).toContain('2 firing');
  expect(blocks).toContain('<@U0OWNER01>');
  expect(pinned.text).toContain('SEV1');
  await eventually(() => channel.topic?.value.includes('Triage'));
  await eventually(() => channel.members.includes('U0OWNER01'));
  const announcement = await eventually(() => slack.messages('C0ANNOUNCE')[0]);
  expect(JSON.stringify(announcement.blocks)).toContain(`<#${channel.id}>`);

  expect(await bot.app.store.read((tx) => findIncident(tx, 1))).toMatchObject({
    channelId: channel.id,
    state: 'triage',
    services: ['checkout'],
  });
  expect(await bot.settle(5000)).toBe(true);
  expect(slack.findCalls('conversations.create')).toHaveLength(1);
  expect((await bot.app.store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('a resolved notification updates the card in place (chat.update, never a second card)', async () => {
  bot = await startTestApp();
  const firing = fixture<Record<string, unknown>>('alertmanager/zulip.alert.json');
  await bot.post('/webhooks/alertmanager', firing);
  await bot.settle(5000);
  const resolved = {
    ...firing,
    status: 'resolved',
    alerts: (firing.alerts as Record<string, unknown>[]).map((a) => ({
      ...a,
      status: 'resolved',
      endsAt: '2020-02-06T00:30:00Z',
    })),
  };
  expect((await bot.post('/webhooks/alertmanager', resolved)).status).toBe(202);
  await bot.settle(5000);
  const channel = bot.slack.channelByName('inc-1-high-cpu-core-temperature');
  if (!channel) throw new Error('no channel');
  const messages = bot.slack.messages(channel.id);
  const cards = messages.filter((m) => JSON.stringify(m.blocks).includes('card_header'));
  expect(cards).toHaveLength(1);
  expect(JSON.stringify(cards[0]?.blocks)).toContain('2 resolved');
  expect(bot.slack.findCalls('chat.update').length).toBeGreaterThanOrEqual(1);
  expect(messages.some((m) => m.text.includes('Every alert of INC-1 has resolved'))).toBe(true);
});
