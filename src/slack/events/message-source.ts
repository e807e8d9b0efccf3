import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { CapturedMessage } from '../../incidents/capture.js';

/** The fields of a Slack message that the timeline keeps; everything else is ignored. */
const SlackMessage = z.object({
  ts: z.string(),
  text: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  thread_ts: z.string().optional(),
  files: z
    .array(
      z.object({
        name: z.string().optional(),
        title: z.string().optional(),
        permalink: z.string().optional(),
        url_private: z.string().optional(),
      }),
    )
    .optional(),
  reactions: z
    .array(
      z.object({
        name: z.string(),
        count: z.number().optional(),
        users: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type SlackMessage = z.infer<typeof SlackMessage>;

const messagesOf = (result: { messages?: unknown[] }): SlackMessage[] =>
  (result.messages ?? []).flatMap((m) => {
    const parsed = SlackMessage.safeParse(m);
    return parsed.success ? [parsed.data] : [];
  });

/**
 * Reads one message by channel and ts: top-level messages through conversations.history,
 * thread replies through conversations.replies. Null when it is gone (deleted, or a tombstone
 * left by a deleted thread parent).
 */
export async function fetchMessage(
  client: webApi.WebClient,
  channel: string,
  ts: string,
): Promise<SlackMessage | null> {
  const window = { channel, latest: ts, oldest: ts, inclusive: true, limit: 1 };
  const history = await client.conversations.history(window);
  let message = messagesOf(history).find((m) => m.ts === ts);
  if (!message) {
    try {
      const replies = await client.conversations.replies({ ...window, ts });
      message = messagesOf(replies).find((m) => m.ts === ts);
    } catch (error) {
      // Not a thread message, or a thread whose parent is gone: either way nothing to copy.
      if ((error as { data?: { error?: string } }).data?.error === 'thread_not_found') return null;
      throw error;
    }
  }
  if (!message || message.subtype === 'tombstone' || message.subtype === 'message_deleted')
    return null;
  return message;
}

/** Messages from bots (ours or others) are not people's words; the timeline records those already. */
export const isFromBot = (message: SlackMessage, botUserId: string | undefined): boolean =>
  Boolean(message.bot_id) ||
  message.subtype === 'bot_message' ||
  (botUserId !== undefined && message.user === botUserId);

export function toCaptured(
  channelId: string,
  message: SlackMessage,
  permalink: string | null,
): CapturedMessage {
  return {
    channelId,
    ts: message.ts,
    threadTs: message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : null,
    text: message.text ?? '',
    authorId: message.user ?? null,
    permalink,
    files: (message.files ?? []).map((f) => ({
      name: f.title || f.name || 'file',
      url: f.permalink ?? f.url_private ?? null,
    })),
  };
}

/** The message's permalink; null (not a failure) when Slack cannot give one. */
export async function permalinkOf(
  client: webApi.WebClient,
  channel: string,
  ts: string,
): Promise<string | null> {
  try {
    const result = await client.chat.getPermalink({ channel, message_ts: ts });
    return result.permalink ?? null;
  } catch {
    return null;
  }
}

export const parseSlackMessage = (value: unknown): SlackMessage | null => {
  const parsed = SlackMessage.safeParse(value);
  return parsed.success ? parsed.data : null;
};
