import { afterEach, expect, test } from 'vitest';
import { actions } from '../../src/slack/ids.js';
import { eventually, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { fixture } from '../support/fixtures.js';
import { blockActionPayload, sendBlockAction } from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const CONFIG = `
services:
  checkout:
    aliases: [checkout-api]
    runbook: https://wiki.example.com/checkout
`;

test("the card has a Runbook button per distinct runbook_url and the service's runbook; a bad URL is left out", async () => {
  bot = await startTestApp({ configYaml: CONFIG });
  const body = fixture<Record<string, unknown>>('alertmanager/zulip.alert.json');
  const runbooks = [
    'https://runbooks.example.com/cpu',
    'https://runbooks.example.com/cpu', // the same one twice: one button
    'javascript:alert(1)', // never a link
  ];
  const alerts: Record<string, unknown>[] = (body.alerts as Record<string, unknown>[]).map(
    (a, i) => ({
      ...a,
      labels: { ...(a.labels as object), service: 'checkout-api' },
      annotations: { ...(a.annotations as object), runbook_url: runbooks[i] },
    }),
  );
  alerts.push({ ...alerts[1], fingerprint: 'third', annotations: { runbook_url: runbooks[2] } });
  expect((await bot.post('/webhooks/alertmanager', { ...body, alerts })).status).toBe(202);

  const { slack } = bot;
  const channel = await eventually(() => slack.channelByName('inc-1-high-cpu-core-temperature'));
  const pinned = await eventually(() => slack.pinnedMessages(channel.id)[0]);
  const block = (pinned.blocks as { block_id?: string; elements?: unknown[] }[]).find(
    (b) => b.block_id === 'card_runbooks',
  );
  expect(block?.elements).toEqual([
    {
      type: 'button',
      action_id: 'runbook_0',
      text: { type: 'plain_text', text: '📖 Runbook', emoji: true },
      url: 'https://runbooks.example.com/cpu',
    },
    {
      type: 'button',
      action_id: 'runbook_1',
      text: { type: 'plain_text', text: '📖 checkout runbook', emoji: true },
      url: 'https://wiki.example.com/checkout',
    },
  ]);
  expect(JSON.stringify(pinned.blocks)).not.toContain('javascript:');

  // Slack reports the click of a url button too; the bot acknowledges it and does nothing else.
  const res = await sendBlockAction(
    bot.base,
    SIGNING_SECRET,
    blockActionPayload({
      user: 'U0ANA0001',
      channel: channel.id,
      actions: [{ action_id: actions.runbook(0), value: '' }],
    }),
  );
  expect(res.status).toBe(200);
});
