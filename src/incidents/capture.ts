import { z } from 'zod';
import { defineEffect } from '../outbox/effects.js';
import { rememberChatRef } from '../store/chat-refs.js';
import { getIncident } from '../store/incidents.js';
import { pinEventsOf } from '../store/timeline.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record, streamOf, type TimelineEntry } from '../timeline/timeline.js';
import { enqueueMessage } from './effects.js';
import type { Actor } from './events.js';

/** A chat message copied into the timeline, as the edge read it from the chat platform. */
export interface CapturedMessage {
  channelId: string;
  /** The platform's message id, which is also when it was written (Slack's `ts`). */
  ts: string;
  threadTs: string | null;
  text: string;
  authorId: string | null;
  permalink: string | null;
  files: readonly { name: string; url: string | null }[];
}

const CaptureVia = z.enum(['reaction', 'shortcut']);
export type CaptureVia = z.infer<typeof CaptureVia>;

export interface CaptureDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
}

// Slack caps a message at 40 000 characters; anything longer came from somewhere else.
const TEXT_MAX = 40_000;

/** `1763800000.000100` → the moment it names (Slack ts are seconds.microseconds). */
export function tsToDate(ts: string): Date {
  const [seconds = '0', fraction = ''] = ts.split('.');
  return new Date(Number(seconds) * 1000 + Math.floor(Number(`0.${fraction || '0'}`) * 1000));
}

export const messageKey = (channelId: string, ts: string) => `${channelId}:${ts}`;
/** The chat_refs key under which the bot replies in the captured message's thread. */
export const messageRef = (channelId: string, ts: string) => `msg:${channelId}:${ts}`;

/** What a capture request carries through the outbox. */
const CaptureRequest = z.object({
  incidentId: z.number().int(),
  channelId: z.string(),
  ts: z.string(),
  /** Who reacted. */
  by: z.string(),
  via: CaptureVia,
});
export type CaptureRequest = z.infer<typeof CaptureRequest>;

/**
 * Read the message from the chat platform, then pin or withdraw it; carried out by
 * src/slack/events/timeline-capture.ts.
 */
export const captureEffects = {
  pin: defineEffect({ kind: 'timeline.pin', payload: CaptureRequest }),
  withdraw: defineEffect({ kind: 'timeline.withdraw', payload: CaptureRequest }),
};

/**
 * Pins and withdrawals of channel messages. A message can be pinned, withdrawn and pinned
 * again: each pin is its own generation (`pin:<key>:<n>`), so a duplicate (a second 📌, a
 * Slack retry, the shortcut on an already pinned message) records nothing, while a real
 * re-pin after a withdrawal records a new entry. Nothing is ever deleted.
 */
export function createTimelineCapture(deps: CaptureDeps) {
  const { store, now } = deps;

  async function state(tx: Tx, incidentId: number, key: string) {
    const rows = await pinEventsOf(tx, streamOf(incidentId), key);
    const pins = rows.filter((r) => r.kind === 'pinned');
    const withdrawals = rows.length - pins.length;
    return { pins: pins.length, pinned: pins.length > withdrawals, lastPinSeq: pins.at(-1)?.seq };
  }

  async function remember(tx: Tx, channelId: string, ts: string) {
    await rememberChatRef(tx, messageRef(channelId, ts), { channelId, ts });
  }

  /** Copies a message into the timeline at its original time; null when it is already there. */
  async function pin(
    incidentId: number,
    message: CapturedMessage,
    actor: Actor,
    via: CaptureVia,
  ): Promise<TimelineEntry | null> {
    const at = now();
    const key = messageKey(message.channelId, message.ts);
    const entry = await store.tx(async (tx) => {
      await getIncident(tx, incidentId);
      const current = await state(tx, incidentId, key);
      if (current.pinned) return null;
      const recorded = await record(
        tx,
        {
          incidentId,
          kind: 'pinned',
          at: tsToDate(message.ts),
          actor: actor.id,
          source: actor.source,
          dedupeKey: `pin:${key}:${current.pins + 1}`,
          payload: {
            messageKey: key,
            channelId: message.channelId,
            ts: message.ts,
            threadTs: message.threadTs,
            text: message.text.slice(0, TEXT_MAX),
            truncated: message.text.length > TEXT_MAX,
            authorId: message.authorId,
            permalink: message.permalink,
            files: message.files.map((f) => ({ name: f.name, url: f.url })),
            via,
          },
        },
        at,
      );
      if (!recorded) return null;
      await remember(tx, message.channelId, message.ts);
      await enqueueMessage(
        tx,
        incidentId,
        { kind: 'thread', key: messageRef(message.channelId, message.ts) },
        { type: 'timeline_pinned', by: actor.id, authorId: message.authorId, via },
        at,
      );
      return recorded;
    });
    if (entry) deps.kick();
    return entry;
  }

  /** Marks the current pin of a message withdrawn (a new event); false when it was not pinned. */
  async function withdraw(
    incidentId: number,
    channelId: string,
    ts: string,
    actor: Actor,
  ): Promise<boolean> {
    const at = now();
    const key = messageKey(channelId, ts);
    const done = await store.tx(async (tx) => {
      const current = await state(tx, incidentId, key);
      if (!current.pinned) return false;
      const recorded = await record(
        tx,
        {
          incidentId,
          kind: 'pin_withdrawn',
          at,
          actor: actor.id,
          source: actor.source,
          dedupeKey: `unpin:${key}:${current.pins}`,
          payload: { messageKey: key, channelId, ts, pinSeq: current.lastPinSeq },
        },
        at,
      );
      if (!recorded) return false;
      await remember(tx, channelId, ts);
      await enqueueMessage(
        tx,
        incidentId,
        { kind: 'thread', key: messageRef(channelId, ts) },
        { type: 'timeline_withdrawn', by: actor.id },
        at,
      );
      return true;
    });
    if (done) deps.kick();
    return done;
  }

  /**
   * A reaction only names the message: reading it needs the chat platform, which may be down.
   * The request is committed to the outbox first (per message, in order, so a quick
   * add-then-remove is applied in that order) and carried out by the edge with retries.
   */
  async function request(kind: keyof typeof captureEffects, input: CaptureRequest): Promise<void> {
    const at = now();
    await store.tx(async (tx) => {
      await captureEffects[kind].enqueue(
        tx,
        {
          lane: `timeline:${messageKey(input.channelId, input.ts)}`,
          payload: input,
        },
        at,
      );
    });
    deps.kick();
  }

  return { pin, withdraw, request };
}

export type TimelineCapture = ReturnType<typeof createTimelineCapture>;
