import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { LogLevel as SocketLogLevel, SocketModeClient } from '@slack/socket-mode';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { fixtureText } from '../support/fixtures.js';
import {
  blockActionPayload,
  eventEnvelope,
  sendBlockAction,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  signSlackRequest,
  slashCommandFields,
  viewSubmissionPayload,
} from '../support/slack-requests.js';
import { type SlackEmulator, startSlackEmulator } from './slack.js';

const { WebClient, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError } = webApi;

const ALICE = { id: 'U0ALICE001', name: 'alice', email: 'alice@example.com' };
const BOB = { id: 'U0BOB00001', name: 'bob', email: 'bob@example.com' };

let emu: SlackEmulator;
let client: InstanceType<typeof WebClient>;

// WebClient logs every `[ERROR]` line of a rejected call; the assertions already cover them.
const silent: webApi.Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => undefined,
};

const webClient = (token = 'xoxb-test', options: webApi.WebClientOptions = {}) =>
  new WebClient(token, {
    slackApiUrl: emu.apiUrl,
    retryConfig: { retries: 0 },
    logger: silent,
    ...options,
  });

/** The platform error code a rejected call carries. */
async function slackError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError)) {
    throw new Error(`expected a platform error, got ${error}`);
  }
  return error.data.error;
}

const section = (text: string, blockId?: string) => ({
  type: 'section',
  ...(blockId === undefined ? {} : { block_id: blockId }),
  text: { type: 'mrkdwn', text },
});

beforeAll(async () => {
  emu = await startSlackEmulator({ users: [ALICE, BOB] });
  client = webClient();
});
afterEach(() => emu.reset());
afterAll(() => emu.close());

async function incidentChannel(name = 'inc-1-api-5xx') {
  const result = await client.conversations.create({ name });
  const id = result.channel?.id;
  if (id === undefined) throw new Error('no channel id');
  return id;
}

describe('conversations', () => {
  test('creates a channel with the bot as its first member', async () => {
    const result = await client.conversations.create({ name: 'inc-42-db', is_private: true });
    expect(result.channel).toMatchObject({ name: 'inc-42-db', is_private: true, is_member: true });
    expect(emu.channelByName('inc-42-db')?.members).toEqual([emu.botUserId]);
    expect(emu.findCalls('conversations.create')[0]).toMatchObject({ ok: true, status: 200 });
  });

  test.each([
    ['INC Bad Name', 'invalid_name_specials'],
    ['inc.dot', 'invalid_name_specials'],
    ['a'.repeat(81), 'invalid_name_maxlength'],
    ['--_', 'invalid_name_punctuation'],
    ['', 'invalid_name_required'],
  ])('rejects the name %j with %s', async (name, error) => {
    expect(await slackError(client.conversations.create({ name }))).toBe(error);
  });

  test('accepts an 80-character name and says name_taken for it again, even once archived', async () => {
    const name = 'a'.repeat(80);
    const id = await incidentChannel(name);
    await client.conversations.archive({ channel: id });
    expect(await slackError(client.conversations.create({ name }))).toBe('name_taken');
    expect(await slackError(client.conversations.archive({ channel: id }))).toBe(
      'already_archived',
    );
  });

  test('topic: 250 characters fit, 251 are too_long; archived and foreign channels refuse', async () => {
    const id = await incidentChannel();
    await client.conversations.setTopic({ channel: id, topic: 't'.repeat(250) });
    expect(emu.channel(id)?.topic.value).toHaveLength(250);
    expect(
      await slackError(client.conversations.setTopic({ channel: id, topic: 't'.repeat(251) })),
    ).toBe('too_long');
    await client.conversations.setPurpose({ channel: id, purpose: 'API 5xx' });
    expect(emu.channel(id)?.purpose.value).toBe('API 5xx');

    const foreign = emu.addChannel({ name: 'random', members: [ALICE.id], creator: ALICE.id });
    expect(
      await slackError(client.conversations.setTopic({ channel: foreign.id, topic: 'x' })),
    ).toBe('not_in_channel');
    await client.conversations.archive({ channel: id });
    expect(await slackError(client.conversations.setTopic({ channel: id, topic: 'x' }))).toBe(
      'is_archived',
    );
  });

  test('invite takes comma-separated users and reports Slack errors', async () => {
    const id = await incidentChannel();
    await client.conversations.invite({ channel: id, users: `${ALICE.id},${BOB.id}` });
    expect(emu.channel(id)?.members).toEqual([emu.botUserId, ALICE.id, BOB.id]);

    expect(await slackError(client.conversations.invite({ channel: id, users: ALICE.id }))).toBe(
      'already_in_channel',
    );
    expect(
      await slackError(client.conversations.invite({ channel: id, users: 'U0NOBODY01' })),
    ).toBe('user_not_found');
    expect(
      await slackError(client.conversations.invite({ channel: id, users: emu.botUserId })),
    ).toBe('cant_invite_self');
    const foreign = emu.addChannel({ name: 'ops', members: [ALICE.id], creator: ALICE.id });
    expect(
      await slackError(client.conversations.invite({ channel: foreign.id, users: BOB.id })),
    ).toBe('not_in_channel');
    await client.conversations.join({ channel: foreign.id });
    await client.conversations.invite({ channel: foreign.id, users: BOB.id });
    expect(emu.channel(foreign.id)?.members).toContain(BOB.id);
  });

  test('members pages with next_cursor; a private channel the bot is not in is channel_not_found', async () => {
    const id = await incidentChannel();
    await client.conversations.invite({ channel: id, users: `${ALICE.id},${BOB.id}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.members({
        channel: id,
        limit: 2,
        ...(cursor === undefined ? {} : { cursor }),
      });
      seen.push(...(page.members ?? []));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([emu.botUserId, ALICE.id, BOB.id]);
    expect(emu.findCalls('conversations.members')).toHaveLength(2);
    const secret = emu.addChannel({
      name: 'secret',
      is_private: true,
      members: [ALICE.id],
      creator: ALICE.id,
    });
    expect(await slackError(client.conversations.members({ channel: secret.id }))).toBe(
      'channel_not_found',
    );
  });

  test('list paginates with next_cursor and hides private channels the bot is not in', async () => {
    for (const n of [1, 2, 3, 4, 5]) await incidentChannel(`inc-${n}`);
    emu.addChannel({ name: 'secret', is_private: true, members: [ALICE.id], creator: ALICE.id });
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.list({
        types: 'public_channel,private_channel',
        limit: 2,
        ...(cursor === undefined ? {} : { cursor }),
      });
      names.push(...(page.channels ?? []).map((c) => c.name ?? ''));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor !== undefined);
    expect(names).toEqual(['inc-1', 'inc-2', 'inc-3', 'inc-4', 'inc-5']);
    expect(emu.findCalls('conversations.list')).toHaveLength(3);
  });
});

describe('messages', () => {
  test('post, thread, update, pin and read back', async () => {
    const channel = await incidentChannel();
    const first = await client.chat.postMessage({ channel, text: 'INC-1 declared' });
    const reply = await client.chat.postMessage({ channel, text: 'paging', thread_ts: first.ts });
    expect(Number(reply.ts)).toBeGreaterThan(Number(first.ts));
    expect(emu.messages(channel).map((m) => [m.text, m.thread_ts])).toEqual([
      ['INC-1 declared', first.ts],
      ['paging', first.ts],
    ]);

    const updated = await client.chat.update({
      channel,
      ts: first.ts ?? '',
      text: 'INC-1 acknowledged',
      blocks: [section('*INC-1* acknowledged', 'card')],
    });
    expect(updated.text).toBe('INC-1 acknowledged');
    expect(emu.messages(channel)[0]).toMatchObject({
      editCount: 1,
      blocks: [{ block_id: 'card' }],
    });

    await client.pins.add({ channel, timestamp: first.ts ?? '' });
    expect(emu.pinnedMessages(channel).map((m) => m.ts)).toEqual([first.ts]);
    expect(await slackError(client.pins.add({ channel, timestamp: first.ts ?? '' }))).toBe(
      'already_pinned',
    );
    expect(await slackError(client.pins.add({ channel, timestamp: '1.000001' }))).toBe(
      'message_not_found',
    );

    const history = await client.conversations.history({ channel });
    expect(history.messages?.map((m) => m.text)).toEqual(['INC-1 acknowledged']);
    const thread = await client.conversations.replies({ channel, ts: first.ts ?? '' });
    expect(thread.messages?.map((m) => m.text)).toEqual(['INC-1 acknowledged', 'paging']);
    const link = await client.chat.getPermalink({ channel, message_ts: first.ts ?? '' });
    expect(link.permalink).toBe(`${emu.url}/archives/${channel}/p${first.ts?.replace('.', '')}`);
  });

  test('chat errors: channel_not_found, is_archived, no_text, cant_update_message, msg_too_long', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe(
      'channel_not_found',
    );
    const channel = await incidentChannel();
    expect(await slackError(client.apiCall('chat.postMessage', { channel }))).toBe('no_text');
    const human = emu.addMessage({ channel, user: ALICE.id, text: 'is it DNS?' });
    expect(await slackError(client.chat.update({ channel, ts: human.ts, text: 'no' }))).toBe(
      'cant_update_message',
    );
    expect(await slackError(client.chat.update({ channel, ts: '1.000002', text: 'x' }))).toBe(
      'message_not_found',
    );
    const mine = await client.chat.postMessage({ channel, text: 'status' });
    expect(
      await slackError(client.chat.update({ channel, ts: mine.ts ?? '', text: 'x'.repeat(4001) })),
    ).toBe('msg_too_long');
    const long = await client.chat.postMessage({ channel, text: 'y'.repeat(40_010) });
    expect(long.message?.text).toHaveLength(40_000);
    await client.conversations.archive({ channel });
    expect(await slackError(client.chat.postMessage({ channel, text: 'x' }))).toBe('is_archived');
  });

  test('ephemeral messages, bookmarks, reactions and users', async () => {
    const channel = await incidentChannel();
    await client.conversations.invite({ channel, users: ALICE.id });
    await client.chat.postEphemeral({ channel, user: ALICE.id, text: 'only you' });
    expect(emu.ephemerals).toMatchObject([{ channel, user: ALICE.id, text: 'only you' }]);
    expect(await slackError(client.chat.postEphemeral({ channel, user: BOB.id, text: 'x' }))).toBe(
      'user_not_in_channel',
    );

    await client.bookmarks.add({
      channel_id: channel,
      title: 'Runbook',
      type: 'link',
      link: 'https://runbook.example',
    });
    expect(emu.bookmarks).toMatchObject([{ channel_id: channel, title: 'Runbook' }]);
    expect(
      await slackError(
        client.bookmarks.add({ channel_id: channel, title: 'x', type: 'link', link: 'ftp://x' }),
      ),
    ).toBe('invalid_link');

    const posted = await client.chat.postMessage({ channel, text: 'fixed' });
    await client.reactions.add({ channel, timestamp: posted.ts ?? '', name: 'white_check_mark' });
    expect(emu.messages(channel)[0]?.reactions).toEqual([
      { name: 'white_check_mark', users: [emu.botUserId], count: 1 },
    ]);

    expect((await client.users.lookupByEmail({ email: BOB.email })).user?.id).toBe(BOB.id);
    expect(await slackError(client.users.lookupByEmail({ email: 'x@example.com' }))).toBe(
      'users_not_found',
    );
    expect((await client.users.info({ user: ALICE.id })).user?.name).toBe('alice');
    expect(await slackError(client.users.info({ user: 'U0NOPE' }))).toBe('user_not_found');
  });

  test('filesUploadV2 records the file and shares it into the channel', async () => {
    const channel = await incidentChannel();
    await client.filesUploadV2({
      channel_id: channel,
      content: '# Postmortem\nroot cause: DNS',
      filename: 'postmortem.md',
      title: 'INC-1 postmortem',
      initial_comment: 'Draft postmortem',
    });
    expect(emu.files()).toMatchObject([
      { title: 'INC-1 postmortem', content: '# Postmortem\nroot cause: DNS', channels: [channel] },
    ]);
    expect(emu.messages(channel)).toMatchObject([
      { text: 'Draft postmortem', files: [{ title: 'INC-1 postmortem' }] },
    ]);
  });
});

describe('Block Kit validation', () => {
  test('51 blocks are invalid_blocks with a json-pointer message', async () => {
    const channel = await incidentChannel();
    const blocks = Array.from({ length: 51 }, (_, i) => section(`line ${i}`));
    const error = await client.chat
      .postMessage({ channel, text: 'x', blocks })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as InstanceType<typeof WebAPIPlatformError>).data).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: {
        messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'],
      },
    });
    await client.chat.postMessage({ channel, text: 'x', blocks: blocks.slice(0, 50) });
  });

  test('a 3001-character section points at /blocks/0/text/text', async () => {
    const channel = await incidentChannel();
    const error = await client.chat
      .postMessage({ channel, text: 'x', blocks: [section('s'.repeat(3001))] })
      .catch((e: unknown) => e);
    expect(
      (error as InstanceType<typeof WebAPIPlatformError>).data.response_metadata?.messages,
    ).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
  });

  test('duplicate block_id, unknown block types and the total text cap', async () => {
    const channel = await incidentChannel();
    const duplicate = client.chat.postMessage({
      channel,
      text: 'x',
      blocks: [section('a', 'card'), section('b', 'card')],
    });
    expect(await slackError(duplicate)).toBe('invalid_blocks');
    expect(
      await slackError(
        client.chat.postMessage({ channel, text: 'x', blocks: [{ type: 'carousel' }] }),
      ),
    ).toBe('invalid_blocks');
    const tooMuch = Array.from({ length: 5 }, () => section('z'.repeat(2900)));
    expect(await slackError(client.chat.postMessage({ channel, text: 'x', blocks: tooMuch }))).toBe(
      'msg_blocks_too_long',
    );
    const buttons = (n: number) => ({
      type: 'actions',
      elements: Array.from({ length: n }, (_, i) => ({
        type: 'button',
        action_id: `b${i}`,
        text: { type: 'plain_text', text: 'Ack' },
        value: 'v'.repeat(2000),
      })),
    });
    await client.chat.postMessage({ channel, text: 'x', blocks: [buttons(25)] });
    expect(
      await slackError(client.chat.postMessage({ channel, text: 'x', blocks: [buttons(26)] })),
    ).toBe('invalid_blocks');
  });

  test('a modal title of 25 characters is invalid_arguments; a valid modal opens', async () => {
    const modal = (title: string) => ({
      type: 'modal' as const,
      callback_id: 'declare',
      title: { type: 'plain_text' as const, text: title },
      submit: { type: 'plain_text' as const, text: 'Declare' },
      blocks: [
        {
          type: 'input',
          block_id: 'title',
          label: { type: 'plain_text', text: 'Title' },
          element: { type: 'plain_text_input', action_id: 'value' },
        },
      ],
    });
    const error = await client.views
      .open({ trigger_id: emu.triggerId(), view: modal('t'.repeat(25)) })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof WebAPIPlatformError>).data).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: {
        messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'],
      },
    });
    const opened = await client.views.open({
      trigger_id: emu.triggerId(),
      view: modal('Declare an incident'),
    });
    expect(opened.view?.id).toBe(emu.views[0]?.id);
    const { submit: _submit, ...noSubmit } = modal('Declare');
    expect(
      await slackError(client.views.open({ trigger_id: emu.triggerId(), view: noSubmit })),
    ).toBe('invalid_arguments');
  });
});

describe('trigger ids', () => {
  test('expire after 3 s, are single use, and must be known', async () => {
    let clock = 1_763_800_000_000;
    const timed = await startSlackEmulator({ now: () => clock });
    const timedClient = webClient('xoxb-test', { slackApiUrl: timed.apiUrl });
    try {
      const view = {
        type: 'modal' as const,
        title: { type: 'plain_text' as const, text: 'Hi' },
        blocks: [],
      };
      const trigger = timed.triggerId();
      await timedClient.views.open({ trigger_id: trigger, view });
      expect(await slackError(timedClient.views.open({ trigger_id: trigger, view }))).toBe(
        'exchanged_trigger_id',
      );
      const late = timed.triggerId();
      clock += 3001;
      expect(await slackError(timedClient.views.open({ trigger_id: late, view }))).toBe(
        'expired_trigger_id',
      );
      expect(await slackError(timedClient.views.open({ trigger_id: '1.2.3', view }))).toBe(
        'invalid_trigger_id',
      );

      const pushed = await timedClient.views.push({ trigger_id: timed.triggerId(), view });
      expect(pushed.view?.previous_view_id).toBe(timed.views[0]?.id);
      const updated = await timedClient.views.update({ view_id: pushed.view?.id ?? '', view });
      expect(timed.views[1]).toMatchObject({ updates: 1, hash: updated.view?.hash });
    } finally {
      await timed.close();
    }
  });
});

describe('faults', () => {
  test('429 with Retry-After: rejectRateLimitedCalls throws WebAPIRateLimitedError', async () => {
    emu.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const strict = webClient('xoxb-test', { rejectRateLimitedCalls: true });
    const error = await strict.chat
      .postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as InstanceType<typeof WebAPIRateLimitedError>).retryAfter).toBe(7);
    expect(emu.findCalls('chat.postMessage')).toMatchObject([
      { status: 429, ok: false, error: 'ratelimited' },
    ]);
  });

  test('without rejectRateLimitedCalls WebClient waits Retry-After, then retries', async () => {
    const channel = await incidentChannel();
    emu.failNext('chat.postMessage', { status: 429, retryAfter: 0 });
    const patient = webClient('xoxb-test', {
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
    });
    const seen: number[] = [];
    patient.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => seen.push(seconds));
    await patient.chat.postMessage({ channel, text: 'eventually' });
    expect(seen).toEqual([0]);
    expect(emu.findCalls('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  test('500 is a WebAPIHTTPError; ok:false is a WebAPIPlatformError; delays answer normally', async () => {
    emu.failNext('*', { status: 500 });
    const http = await client.auth.test().catch((e: unknown) => e);
    expect(http).toBeInstanceOf(WebAPIHTTPError);
    expect((http as InstanceType<typeof WebAPIHTTPError>).statusCode).toBe(500);

    emu.failNext('auth.test', { error: 'account_inactive' }, 2);
    expect(await slackError(client.auth.test())).toBe('account_inactive');
    expect(await slackError(client.auth.test())).toBe('account_inactive');

    emu.failNext('auth.test', { delayMs: 50 });
    const started = Date.now();
    expect((await client.auth.test()).user_id).toBe(emu.botUserId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  test('down() answers 503 to everything until lifted', async () => {
    emu.down(true);
    const error = await client.auth.test().catch((e: unknown) => e);
    expect((error as InstanceType<typeof WebAPIHTTPError>).statusCode).toBe(503);
    emu.down(false);
    await client.auth.test();
  });

  test('auth and unknown methods', async () => {
    expect(await slackError(webClient('').auth.test())).toBe('not_authed');
    expect(await slackError(client.apiCall('nope.nothing'))).toBe('unknown_method');
    expect(await slackError(client.apps.connections.open({}))).toBe('not_allowed_token_type');
  });
});

describe('rate limits', () => {
  // A hand-moved clock keeps the windows deterministic; real time would make this flaky.
  test('tiers and chat.postMessage per channel, scaled to a short window', async () => {
    let clock = 1_763_800_000_000;
    const limited = await startSlackEmulator({ rateLimits: { windowMs: 6000 }, now: () => clock });
    const limitedClient = webClient('xoxb-test', {
      slackApiUrl: limited.apiUrl,
      rejectRateLimitedCalls: true,
    });
    const retryAfter = (call: Promise<unknown>) =>
      call.then(
        () => 'not limited',
        (e: unknown) => (e instanceof WebAPIRateLimitedError ? e.retryAfter : e),
      );
    try {
      for (let n = 0; n < 20; n++) await limitedClient.conversations.create({ name: `inc-${n}` });
      expect(await retryAfter(limitedClient.conversations.create({ name: 'inc-20' }))).toBe(6);
      expect(limited.rateLimited).toMatchObject([{ method: 'conversations.create' }]);
      clock += 6000;
      await limitedClient.conversations.create({ name: 'inc-20' });

      const a = limited.channelByName('inc-0')?.id ?? '';
      const b = limited.channelByName('inc-1')?.id ?? '';
      for (let n = 0; n < 3; n++) {
        await limitedClient.chat.postMessage({ channel: a, text: `burst ${n}` });
      }
      // Slack's 1 s per message becomes 6000 / 60 = 100 ms; Retry-After never goes below 1.
      expect(
        await retryAfter(limitedClient.chat.postMessage({ channel: a, text: 'too fast' })),
      ).toBe(1);
      await limitedClient.chat.postMessage({ channel: b, text: 'other channel is fine' });
      expect(limited.rateLimited.at(-1)).toMatchObject({ method: 'chat.postMessage', channel: a });
      clock += 100;
      await limitedClient.chat.postMessage({ channel: a, text: 'after refill' });
      expect(limited.messages(a).map((m) => m.text)).toEqual([
        'burst 0',
        'burst 1',
        'burst 2',
        'after refill',
      ]);
    } finally {
      await limited.close();
    }
  });
});

describe('response_url', () => {
  test('captures JSON bodies, five per URL', async () => {
    const url = emu.responseUrl('cmd-1');
    for (let n = 0; n < 5; n++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `update ${n}`, response_type: 'ephemeral' }),
      });
      expect(res.status).toBe(200);
    }
    expect(emu.responsesTo('cmd-1')[0]).toEqual({ text: 'update 0', response_type: 'ephemeral' });
    const sixth = await fetch(url, { method: 'POST', body: '{}' });
    expect([sixth.status, await sixth.text()]).toEqual([404, 'used_url']);
  });
});

describe('Socket Mode', () => {
  test('a real SocketModeClient connects, receives an envelope and acks it', async () => {
    const socket = new SocketModeClient({
      appToken: 'xapp-1-A0APP00001-test',
      autoReconnectEnabled: false,
      logLevel: SocketLogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    socket.on(
      'slash_commands',
      async ({ ack, body }: { ack: (r?: object) => Promise<void>; body: { text: string } }) => {
        await ack({ response_type: 'ephemeral', text: `declaring: ${body.text}` });
      },
    );
    try {
      await socket.start();
      expect(emu.socketClientCount()).toBe(1);
      const ack = await emu.sendSocketEnvelope('slash_commands', {
        command: '/incident',
        text: 'sev1 db down',
      });
      expect(ack).toEqual({ response_type: 'ephemeral', text: 'declaring: sev1 db down' });
      expect(emu.socketEnvelopes).toMatchObject([{ type: 'slash_commands', acked: true }]);
    } finally {
      await socket.disconnect();
    }
  });
  test('Bolt in Socket Mode acks a slash command with a response payload', async () => {
    const app = new App({
      token: 'xoxb-test',
      appToken: 'xapp-1-A0APP00001-test',
      socketMode: true,
      botId: emu.botId,
      botUserId: emu.botUserId,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/incident', async ({ ack, body }) => {
      await ack({ response_type: 'ephemeral', text: `ok: ${body.text}` });
    });
    await app.start();
    try {
      const ack = await emu.sendSocketEnvelope(
        'slash_commands',
        slashCommandFields({ text: 'status', response_url: emu.responseUrl() }),
      );
      expect(ack).toEqual({ response_type: 'ephemeral', text: 'ok: status' });
    } finally {
      await app.stop();
    }
  });
});

describe('signed requests to a real Bolt HTTPReceiver', () => {
  test('the Slack docs test vector', () => {
    // From Slack's "Verifying requests from Slack" page (see test/fixtures/SOURCES.md).
    const body = fixtureText('slack/requests/slash-command.signed.form-urlencoded.txt');
    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
  });

  test('slash command, block action, view submission and event reach Bolt listeners', async () => {
    const secret = 'test-signing-secret';
    const app = new App({
      token: 'xoxb-test',
      botId: emu.botId,
      botUserId: emu.botUserId,
      signingSecret: secret,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    const retries: (number | undefined)[] = [];
    app.command('/incident', async ({ ack, body, client: bolt, respond }) => {
      await ack();
      await bolt.views.open({
        trigger_id: body.trigger_id,
        view: { type: 'modal', title: { type: 'plain_text', text: 'Declare' }, blocks: [] },
      });
      await respond({ text: `declaring ${body.text}` });
    });
    app.action('ack_incident', async ({ ack, respond }) => {
      await ack();
      await respond({ replace_original: true, text: 'acknowledged' });
    });
    app.view('declare', async ({ ack, view }) => {
      const title = view.state.values.title?.value?.value ?? '';
      await ack(
        title === '' ? { response_action: 'errors', errors: { title: 'Required' } } : undefined,
      );
    });
    app.event('app_mention', async ({ context }) => {
      retries.push(context.retryNum);
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const command = await sendSlashCommand(
        base,
        secret,
        slashCommandFields({
          text: 'sev1 db down',
          trigger_id: emu.triggerId(),
          response_url: emu.responseUrl('c'),
        }),
      );
      expect(command.status).toBe(200);
      await expect.poll(() => emu.responsesTo('c')).toEqual([{ text: 'declaring sev1 db down' }]);
      expect(emu.views).toHaveLength(1);

      const action = await sendBlockAction(
        base,
        secret,
        blockActionPayload({
          actions: [{ action_id: 'ack_incident', value: 'INC-1' }],
          response_url: emu.responseUrl('a'),
        }),
      );
      expect(action.status).toBe(200);
      await expect
        .poll(() => emu.responsesTo('a'))
        .toEqual([{ replace_original: true, text: 'acknowledged' }]);

      const rejected = await sendViewSubmission(
        base,
        secret,
        viewSubmissionPayload({ callback_id: 'declare', values: { title: { value: '' } } }),
      );
      expect(rejected.json()).toEqual({ response_action: 'errors', errors: { title: 'Required' } });

      const event = eventEnvelope({
        type: 'app_mention',
        user: ALICE.id,
        text: 'hi',
        channel: 'C1',
        ts: '1.1',
        event_ts: '1.1',
      });
      const delivered = await sendEvent(base, secret, event, {
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      });
      expect(delivered.status).toBe(200);
      await expect.poll(() => retries).toEqual([1]);

      const forged = await sendEvent(base, 'wrong-secret', event);
      expect(forged.status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});
