import { afterEach, expect, test } from 'vitest';
import { actions } from '../../src/slack/ids.js';
import { findIncident } from '../../src/store/incidents.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { BOB, GENERAL, slackDriver } from '../support/slack-driver.js';
import { blockActionPayload, slashCommandFields } from '../support/slack-requests.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

test('with SLACK_APP_TOKEN the same commands and buttons work over Socket Mode (no signing secret, no inbound Slack HTTP)', async () => {
  bot = await startTestApp({
    env: { SLACK_APP_TOKEN: 'xapp-1-A0APP00001-test', SLACK_SIGNING_SECRET: undefined },
  });
  const { slack } = bot;
  const { store } = bot.app;
  expect(slack.socketClientCount()).toBe(1);
  const as = slackDriver(bot);

  const ack = await slack.sendSocketEnvelope(
    'slash_commands',
    slashCommandFields({
      text: 'declare sev2 Declared over a socket',
      channel_id: GENERAL,
      response_url: slack.responseUrl('socket-declare'),
      trigger_id: slack.triggerId(),
    }),
  );
  expect(ack).toEqual({});
  const reply = await eventually(() => slack.responsesTo('socket-declare')[0]);
  expect(JSON.stringify(reply)).toContain('Declared *INC-1* Declared over a socket');
  const channel = await as.channelOf(1);

  await slack.sendSocketEnvelope(
    'interactive',
    blockActionPayload({
      user: BOB,
      channel,
      actions: [{ action_id: actions.severity, selected_option: { value: '1:sev1' } }],
      response_url: slack.responseUrl('socket-sev'),
    }),
  );
  await eventually(
    async () => (await store.read((tx) => findIncident(tx, 1)))?.severity === 'sev1',
  );

  // HTTP mode's Slack endpoint is not served in Socket Mode.
  const res = await fetch(`${bot.base}/slack/events`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(404);
});
