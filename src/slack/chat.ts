import { createHash } from 'node:crypto';
import type { types, webApi } from '@slack/bolt';
import { channelName } from '../domain/incident.js';
import { DeliveryError } from '../outbox/worker.js';
import type { Chat, ShownMessage } from '../read-model/ports.js';
import { announcementBlocks, cardText, incidentCard, topicText } from './blocks/incident-card.js';
import { renderMessage } from './blocks/messages.js';
import { blocks as blockIds } from './ids.js';

/** A failed Slack call, with Slack's error string when Slack answered `ok: false`. */
export class SlackCallError extends DeliveryError {
  readonly slackError: string | undefined;
  constructor(
    message: string,
    options: ConstructorParameters<typeof DeliveryError>[1] & { slackError?: string },
  ) {
    super(message, options);
    this.name = 'SlackCallError';
    this.slackError = options.slackError;
  }
}

// Slack errors worth retrying; every other `ok: false` is our mistake or a missing permission.
const TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'channel_not_found',
]);

export interface SlackChatOptions {
  /** Configured with `retryConfig: { retries: 0 }` and `rejectRateLimitedCalls: true`: the outbox retries. */
  client: webApi.WebClient;
  /** The bot's own user id, to recognise a channel it created before a crash. */
  botUserId: () => Promise<string>;
  channelPrefix: string;
  privateChannels: boolean;
  /** Slack allows about one message per second per channel. */
  minPostIntervalMs?: number;
  onCall?: (method: string, outcome: 'ok' | 'error' | 'ratelimited', ms: number) => void;
  /**
   * Our own pace for methods Slack limits per minute, shared by every outbox lane: at most
   * `limit` calls per `windowMs`. Over it, a call is not
   * made and fails as throttled (the outbox retries it later without counting a failure).
   */
  pace?: Pace;
}

export type Pace = Readonly<Record<string, { limit: number; windowMs: number }>>;

/**
 * The Tier 2 methods (20+ per minute) every new incident calls once: a storm of new incidents
 * must not trip them. `minuteMs` shrinks Slack's minute for tests.
 */
export const tier2Pace = (minuteMs = 60_000): Pace => ({
  'conversations.create': { limit: 20, windowMs: minuteMs },
  'conversations.setTopic': { limit: 20, windowMs: minuteMs },
  'pins.add': { limit: 20, windowMs: minuteMs },
});

export function slackChat(options: SlackChatOptions): Chat & { call: typeof call } {
  const { client } = options;
  const minPostIntervalMs = options.minPostIntervalMs ?? 1000;
  /** method → epoch ms before which Slack asked us not to call it again. */
  const cooldown = new Map<string, number>();
  /** channel → epoch ms of the last message we posted there. */
  const lastPost = new Map<string, number>();
  const pace: Pace = options.pace ?? tier2Pace();
  /**
   * method → its recent calls (only for paced methods). A slot is taken when a call starts and
   * re-dated when its answer arrives: Slack counted it somewhere in between, so counting from
   * the answer keeps us inside Slack's window however long the request took to get there.
   */
  const recent = new Map<string, { at: number }[]>();

  /** Takes a slot for a paced method, or says how long until one is free. Synchronous, so
   * lanes running at once cannot both take the last slot. */
  function takeSlot(method: string): { slot?: { at: number }; waitMs: number } {
    const rule = pace[method];
    if (!rule) return { waitMs: 0 };
    const t = Date.now();
    const slots = (recent.get(method) ?? []).filter((s) => s.at > t - rule.windowMs);
    recent.set(method, slots);
    if (slots.length >= rule.limit) {
      const oldest = Math.min(...slots.map((s) => s.at));
      return { waitMs: Math.max(1, oldest + rule.windowMs - t + 1) };
    }
    const slot = { at: t };
    slots.push(slot);
    return { slot, waitMs: 0 };
  }

  async function call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    const until = cooldown.get(method) ?? 0;
    if (until > Date.now()) {
      throw new SlackCallError(`${method} is rate limited`, {
        throttled: true,
        retryAfterMs: until - Date.now(),
      });
    }
    const { slot, waitMs: wait } = takeSlot(method);
    if (wait > 0) {
      // Not a Slack call (so not in onCall's counts): the outbox tries again once a slot is free.
      throw new SlackCallError(`${method} is paced (${pace[method]?.limit} per window)`, {
        throttled: true,
        retryAfterMs: wait,
      });
    }
    const started = Date.now();
    try {
      const result = await fn();
      options.onCall?.(method, 'ok', Date.now() - started);
      return result;
    } catch (error) {
      const translated = translate(method, error);
      options.onCall?.(
        method,
        translated.throttled ? 'ratelimited' : 'error',
        Date.now() - started,
      );
      if (translated.throttled && translated.retryAfterMs)
        cooldown.set(method, Date.now() + translated.retryAfterMs);
      throw translated;
    } finally {
      if (slot) slot.at = Date.now();
    }
  }

  async function postMessage(args: {
    channel: string;
    text: string;
    blocks?: types.KnownBlock[];
    thread_ts?: string;
  }) {
    const wait = (lastPost.get(args.channel) ?? 0) + minPostIntervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastPost.set(args.channel, Date.now());
    const result = await call('chat.postMessage', () => client.chat.postMessage(args));
    if (!result.ts) throw new SlackCallError('chat.postMessage returned no ts', {});
    return result.ts;
  }

  /** A message this bot posted in the channel whose blocks include `blockId`, newest first. */
  async function findOwnMessage(channel: string, blockId: string): Promise<ShownMessage | null> {
    const me = await options.botUserId();
    const history = await call('conversations.history', () =>
      client.conversations.history({ channel, limit: 200 }),
    );
    const found = history.messages?.find(
      (m) => (m.user === me || Boolean(m.bot_id)) && m.blocks?.some((b) => b.block_id === blockId),
    );
    return found?.ts ? { ts: found.ts, hash: null } : null;
  }

  async function show(
    channel: string,
    text: string,
    blocks: types.KnownBlock[],
    known: ShownMessage | null,
    mayExist: { blockId: string } | null,
  ): Promise<ShownMessage> {
    const hash = createHash('sha256').update(JSON.stringify({ text, blocks })).digest('hex');
    // An earlier attempt may have posted it and died before the ts was stored: find it.
    const current = known ?? (mayExist ? await findOwnMessage(channel, mayExist.blockId) : null);
    if (current && current.hash === hash) return current;
    if (current) {
      try {
        await call('chat.update', () =>
          client.chat.update({ channel, ts: current.ts, text, blocks }),
        );
        return { ts: current.ts, hash };
      } catch (error) {
        // Someone deleted the message: post it again rather than leave the channel without it.
        if (!(error instanceof SlackCallError) || error.slackError !== 'message_not_found')
          throw error;
      }
    }
    return { ts: await postMessage({ channel, text, blocks }), hash };
  }

  async function findOwnChannel(name: string, notBefore: Date) {
    const me = await options.botUserId();
    let cursor: string | undefined;
    do {
      const page = await call('conversations.list', () =>
        client.conversations.list({ types: 'public_channel,private_channel', limit: 1000, cursor }),
      );
      const found = page.channels?.find((c) => c.name === name);
      if (found) {
        const createdMs = (found.created ?? 0) * 1000;
        // Ours only if this bot made it for this incident (not a channel left by an earlier install).
        const ours =
          found.creator === me && !found.is_archived && createdMs >= notBefore.getTime() - 60_000;
        return ours && found.id ? { id: found.id, name } : null;
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return null;
  }

  return {
    call,

    async openChannel(incident) {
      for (let suffix = 0; suffix < 5; suffix++) {
        const name = channelName(options.channelPrefix, incident.id, incident.title, suffix);
        try {
          const created = await call('conversations.create', () =>
            client.conversations.create({
              name,
              is_private: options.privateChannels || incident.private,
            }),
          );
          if (!created.channel?.id)
            throw new SlackCallError('conversations.create returned no channel', {});
          return { id: created.channel.id, name };
        } catch (error) {
          if (!(error instanceof SlackCallError) || error.slackError !== 'name_taken') throw error;
          // A crash after Slack created the channel but before we stored its id leaves it behind:
          // adopt it rather than open a second channel for the same incident.
          const own = await findOwnChannel(name, incident.declaredAt);
          if (own) return own;
        }
      }
      throw new SlackCallError(`no free channel name for INC-${incident.id}`, { permanent: true });
    },

    async showTopic(channelId, view, current) {
      const topic = topicText(view);
      if (topic === current) return topic;
      await call('conversations.setTopic', () =>
        client.conversations.setTopic({ channel: channelId, topic }),
      );
      return topic;
    },

    async invite(channelId, userIds) {
      try {
        await call('conversations.invite', () =>
          client.conversations.invite({
            channel: channelId,
            users: userIds.join(','),
            force: true,
          }),
        );
      } catch (error) {
        const ignorable = [
          'already_in_channel',
          'cant_invite_self',
          'user_not_found',
          'cant_invite',
        ];
        if (!(error instanceof SlackCallError) || !ignorable.includes(error.slackError ?? ''))
          throw error;
        // One bad id fails the whole call: invite the rest one by one.
        if (userIds.length > 1) {
          for (const user of userIds) await this.invite(channelId, [user]);
        }
      }
    },

    async members(channelId) {
      const found: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await call('conversations.members', () =>
          client.conversations.members({ channel: channelId, limit: 1000, cursor }),
        );
        found.push(...(page.members ?? []));
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return found;
    },

    showCard: (channelId, view, current, { mayExist = false } = {}) =>
      show(
        channelId,
        cardText(view),
        incidentCard(view),
        current,
        mayExist ? { blockId: blockIds.cardHeader } : null,
      ),

    async pin(channelId, ts) {
      try {
        await call('pins.add', () => client.pins.add({ channel: channelId, timestamp: ts }));
      } catch (error) {
        if (!(error instanceof SlackCallError) || error.slackError !== 'already_pinned')
          throw error;
      }
    },

    async showAnnouncement(channelId, view, current, { mayExist = false } = {}) {
      const find = mayExist ? { blockId: blockIds.announcement(view.incident.id) } : null;
      try {
        return await show(channelId, cardText(view), announcementBlocks(view), current, find);
      } catch (error) {
        if (!(error instanceof SlackCallError) || error.slackError !== 'not_in_channel')
          throw error;
        await call('conversations.join', () => client.conversations.join({ channel: channelId }));
        return show(channelId, cardText(view), announcementBlocks(view), current, find);
      }
    },

    async archiveChannel(channelId) {
      try {
        await call('conversations.archive', () =>
          client.conversations.archive({ channel: channelId }),
        );
      } catch (error) {
        if (!(error instanceof SlackCallError) || error.slackError !== 'already_archived')
          throw error;
      }
    },

    async post(channelId, message, view, threadTs) {
      const rendered = renderMessage(message, view);
      return {
        ts: await postMessage({
          channel: channelId,
          ...rendered,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        }),
      };
    },
  };
}

/** WebClient's errors → what the outbox should do next. */
export function translate(method: string, error: unknown): SlackCallError {
  const e = error as {
    code?: string;
    retryAfter?: number;
    statusCode?: number;
    data?: { error?: string };
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new SlackCallError(`${method}: rate limited`, {
        throttled: true,
        retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000,
        cause: error,
      });
    case 'slack_webapi_platform_error': {
      const slackError = e.data?.error ?? 'unknown_error';
      return new SlackCallError(`${method}: ${slackError}`, {
        slackError,
        permanent: !TRANSIENT.has(slackError),
        cause: error,
      });
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      return new SlackCallError(`${method}: HTTP ${status}`, {
        permanent: status >= 400 && status < 500,
        cause: error,
      });
    }
    default:
      // Network errors, timeouts, a Retry-After Slack did not send: all worth another try.
      return new SlackCallError(`${method}: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
