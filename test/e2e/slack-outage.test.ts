import { afterEach, expect, test } from 'vitest';
import { listIncidentRows } from '../../src/store/incidents.js';
import { outboxItems } from '../../src/store/outbox.js';
import { SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { sendSlashCommand, slashCommandFields } from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const OUTAGE_MS = Number(process.env.SLACK_OUTAGE_MS ?? 60_000);

test(
  'Slack down for a minute: alerts are accepted meanwhile, everything is delivered once when it returns, and commands work at once',
  async () => {
    // The production backoff shape (1 s doubling), capped at 10 s so the test ends soon after Slack is back.
    bot = await startTestApp({
      app: { outbox: { pollMs: 100, baseDelayMs: 1000, maxDelayMs: 10_000, rerunDelayMs: 500 } },
    });
    const { slack } = bot;
    slack.down(true);
    const started = Date.now();
    for (let group = 0; group < 5; group++) {
      for (let i = 0; i < 4; i++) {
        const res = await bot.post('/webhooks/alerts', {
          dedupeKey: `g${group}-a${i}`,
          group: `g${group}`,
          title: `Outage group ${group}`,
        });
        expect(res.status).toBe(202);
      }
    }
    await bot.settle(1000); // turn the alerts into incidents; Slack stays unreachable
    expect(
      (await bot.app.store.read((tx) => listIncidentRows(tx))).map((i) => i.channelId),
    ).toEqual([null, null, null, null, null]);
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - started))));
    expect(slack.state.channels.size).toBe(0);
    slack.down(false);

    expect(await bot.settle(60_000)).toBe(true);
    const channels = [...slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
    expect(channels.map((c) => c.name).sort()).toEqual(
      [0, 1, 2, 3, 4].map((g) => `inc-${g + 1}-outage-group-${g}`),
    );
    for (const channel of channels) {
      const cards = slack
        .messages(channel.id)
        .filter((m) => JSON.stringify(m.blocks).includes('card_header'));
      expect(cards).toHaveLength(1);
      expect(slack.pinnedMessages(channel.id)).toHaveLength(1);
    }
    expect(slack.findCalls('conversations.create').filter((c) => c.ok)).toHaveLength(5);
    expect(
      (await bot.app.store.read((tx) => outboxItems(tx))).filter((o) => o.status !== 'done'),
    ).toEqual([]);

    // Commands work again at once.
    const res = await sendSlashCommand(
      bot.base,
      SIGNING_SECRET,
      slashCommandFields({
        command: '/incident',
        text: 'status Recovered',
        user_id: 'U0ANA00001',
        channel_id: channels[0]?.id ?? '',
        response_url: slack.responseUrl('s'),
      }),
    );
    expect(res.status).toBe(200);
  },
  OUTAGE_MS + 120_000,
);
