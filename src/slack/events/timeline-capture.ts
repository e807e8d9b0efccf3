import type {
  AllMiddlewareArgs,
  MessageShortcut,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  webApi,
} from '@slack/bolt';
import { captureEffects, type TimelineCapture } from '../../incidents/capture.js';
import type { EffectHandler } from '../../outbox/effects.js';
import { findIncidentByChannel } from '../../store/incidents.js';
import type { Store } from '../../store/unit-of-work.js';
import {
  fetchMessage,
  isFromBot,
  parseSlackMessage,
  permalinkOf,
  toCaptured,
} from './message-source.js';

export interface CaptureListenerDeps {
  store: Store;
  capture: TimelineCapture;
  /** The reaction that pins (config incidents.pinReaction), without colons. */
  pinReaction: string;
}

/** `pushpin`, `:pushpin:` and skin-tone variants all count as the configured reaction. */
export const isPinReaction = (reaction: string, configured: string): boolean =>
  reaction.replace(/^:|:$/g, '').split('::')[0] === configured;

type ReactionArgs<E extends 'reaction_added' | 'reaction_removed'> = SlackEventMiddlewareArgs<E> &
  AllMiddlewareArgs;

/**
 * The 📌 reaction: only checks what it can without Slack (an incident channel, the configured
 * reaction, not the bot's own message) and commits a capture request; the outbox reads the
 * message and pins it. Anything else is ignored quietly.
 */
export const pinOnReaction =
  (deps: CaptureListenerDeps) =>
  async ({ event, context }: ReactionArgs<'reaction_added'>) => {
    if (!isPinReaction(event.reaction, deps.pinReaction) || event.item.type !== 'message') return;
    if (event.item_user && event.item_user === context.botUserId) return;
    const incident = await deps.store.read((tx) => findIncidentByChannel(tx, event.item.channel));
    if (!incident) return;
    await deps.capture.request('pin', {
      incidentId: incident.id,
      channelId: event.item.channel,
      ts: event.item.ts,
      by: event.user,
      via: 'reaction',
    });
  };

export const withdrawOnReactionRemoved =
  (deps: CaptureListenerDeps) =>
  async ({ event }: ReactionArgs<'reaction_removed'>) => {
    if (!isPinReaction(event.reaction, deps.pinReaction) || event.item.type !== 'message') return;
    const incident = await deps.store.read((tx) => findIncidentByChannel(tx, event.item.channel));
    if (!incident) return;
    await deps.capture.request('withdraw', {
      incidentId: incident.id,
      channelId: event.item.channel,
      ts: event.item.ts,
      by: event.user,
      via: 'reaction',
    });
  };

/**
 * The "Add to timeline" message shortcut. Slack sends the message itself, so it is pinned at
 * once; the person who asked hears back only when nothing was added.
 */
export const addToTimelineShortcut =
  (deps: CaptureListenerDeps) =>
  async ({
    ack,
    shortcut,
    respond,
    client,
    context,
  }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs) => {
    await ack();
    const say = (text: string) =>
      respond({ response_type: 'ephemeral', replace_original: false, text });
    const incident = await deps.store.read((tx) => findIncidentByChannel(tx, shortcut.channel.id));
    if (!incident) {
      await say('*Add to timeline* works in incident channels. This channel has no incident.');
      return;
    }
    const message = parseSlackMessage(shortcut.message);
    if (!message || isFromBot(message, context.botUserId)) {
      await say('Only messages written by people can be added to the timeline.');
      return;
    }
    const permalink = await permalinkOf(client, shortcut.channel.id, message.ts);
    const entry = await deps.capture.pin(
      incident.id,
      toCaptured(shortcut.channel.id, message, permalink),
      { id: shortcut.user.id, source: 'slack' },
      'shortcut',
    );
    if (!entry) await say('That message is already in the timeline.');
  };

export interface CaptureHandlerDeps {
  capture: TimelineCapture;
  client: webApi.WebClient;
  /** Wraps a Slack call: error translation for the outbox (retry or give up), and metrics. */
  call: <T>(method: string, fn: () => Promise<T>) => Promise<T>;
  botUserId: () => Promise<string>;
  pinReaction: string;
}

/** Outbox handlers that carry out capture requests: read the message, then pin or withdraw. */
export function captureHandlers(deps: CaptureHandlerDeps): EffectHandler[] {
  const read = (channel: string, ts: string) =>
    deps.call('conversations.history', () => fetchMessage(deps.client, channel, ts));
  return [
    captureEffects.pin.handledBy(async (r) => {
      const message = await read(r.channelId, r.ts);
      // Deleted before we got to it, or a bot's message: nothing to copy, nothing to say.
      if (!message || isFromBot(message, await deps.botUserId())) return;
      const permalink = await permalinkOf(deps.client, r.channelId, r.ts);
      await deps.capture.pin(
        r.incidentId,
        toCaptured(r.channelId, message, permalink),
        { id: r.by, source: 'slack' },
        r.via,
      );
    }),
    captureEffects.withdraw.handledBy(async (r) => {
      const message = await read(r.channelId, r.ts);
      // Someone else's 📌 is still on it: the message stays in the timeline.
      const stillPinned = (message?.reactions ?? []).some(
        (x) => isPinReaction(x.name, deps.pinReaction) && (x.count ?? x.users?.length ?? 0) > 0,
      );
      if (stillPinned) return;
      await deps.capture.withdraw(r.incidentId, r.channelId, r.ts, { id: r.by, source: 'slack' });
    }),
  ];
}
