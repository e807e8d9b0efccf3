import { z } from 'zod';
import { EscalationMessage } from './escalation-messages.js';
import { SEVERITIES, STATES } from './incident.js';
import { PagingMessage } from './paging-messages.js';
import { TrackerMessage } from './tracker-messages.js';

// Schemas, because messages travel through the outbox as JSON and are checked when they come
// back out; the types are derived from them so the two cannot drift.

const Severity = z.enum(SEVERITIES);
const State = z.enum(STATES);

/** A suspect deploy offered as the answer to "Caused by a deploy?" when an incident resolves. */
export const CauseOption = z.object({
  deployId: z.number(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  /** ISO 8601; messages travel through the outbox as JSON. */
  at: z.string(),
});
export type CauseOption = z.infer<typeof CauseOption>;

/**
 * Messages the core asks the chat edge to post, in domain terms. The edge renders each type
 * (src/slack/blocks/messages.ts); the switch there is exhaustive, so a new type must be rendered.
 */
export const ChatMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('alerts_all_resolved'),
    firing: z.number(),
    resolved: z.number(),
    autoResolved: z.boolean(),
  }),
  /** Too many new incidents a minute: new alert groups now go into this (storm) incident. */
  z.object({ type: z.literal('alert_storm'), maxNewPerMinute: z.number() }),
  z.object({ type: z.literal('status_update'), by: z.string(), text: z.string() }),
  z.object({ type: z.literal('note_added'), by: z.string(), text: z.string() }),
  z.object({ type: z.literal('severity_changed'), by: z.string(), from: Severity, to: Severity }),
  z.object({
    type: z.literal('resolved'),
    by: z.string(),
    summary: z.string(),
    /** Offer to archive the channel that long after resolving (config). */
    archiveAfterMs: z.number().optional(),
  }),
  z.object({ type: z.literal('reopened'), by: z.string(), reason: z.string() }),
  z.object({
    type: z.literal('owner_changed'),
    by: z.string(),
    from: z.string().nullable(),
    to: z.string(),
  }),
  z.object({ type: z.literal('state_changed'), by: z.string(), from: State, to: State }),
  /** A status update is due (epoch ms); addressed to the owner, with Post update and Snooze. */
  z.object({
    type: z.literal('status_update_due'),
    ownerId: z.string().nullable(),
    dueAt: z.number(),
    lastUpdateAt: z.number().nullable(),
  }),
  /** Nobody has taken command since `since` (epoch ms). */
  z.object({ type: z.literal('owner_missing'), since: z.number() }),
  /** The channel will be archived at `at` (epoch ms). */
  z.object({ type: z.literal('archive_scheduled'), by: z.string(), at: z.number() }),
  ...PagingMessage.options,
  ...EscalationMessage.options,
  ...TrackerMessage.options,
  z.object({
    type: z.literal('timeline_pinned'),
    by: z.string(),
    authorId: z.string().nullable(),
    via: z.enum(['reaction', 'shortcut']),
  }),
  z.object({ type: z.literal('timeline_withdrawn'), by: z.string() }),
  z.object({ type: z.literal('cause_question'), suspects: z.array(CauseOption) }),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

export const MessageTarget = z.discriminatedUnion('kind', [
  /** The incident's own channel. */
  z.object({ kind: z.literal('channel') }),
  /** The announce channel from the config; skipped when none is configured. */
  z.object({ kind: z.literal('announce') }),
  /** A reply under the pinned incident card. */
  z.object({ kind: z.literal('card_thread') }),
  /** A reply under a message posted earlier with `remember` (e.g. a rollback's progress thread). */
  z.object({ kind: z.literal('thread'), key: z.string() }),
]);
export type MessageTarget = z.infer<typeof MessageTarget>;

export const MessageDelivery = z.object({
  incidentId: z.number(),
  to: MessageTarget,
  message: ChatMessage,
  /** Keep the posted message's ts under this key, so later messages can reply in its thread. */
  remember: z.string().optional(),
});
export type MessageDelivery = z.infer<typeof MessageDelivery>;
