import type { PagingMessage } from '../paging/messages.js';
import type { Severity, State } from './incident.js';

/**
 * Messages the core asks the chat edge to post, in domain terms. The edge renders each type
 * (src/slack/blocks/messages.ts); the switch there is exhaustive, so a new type must be rendered.
 */
export type ChatMessage =
  | { type: 'alerts_all_resolved'; firing: number; resolved: number; autoResolved: boolean }
  /** Too many new incidents a minute: new alert groups now go into this (storm) incident. */
  | { type: 'alert_storm'; maxNewPerMinute: number }
  | { type: 'status_update'; by: string; text: string }
  | { type: 'note_added'; by: string; text: string }
  | { type: 'severity_changed'; by: string; from: Severity; to: Severity }
  /** `archiveAfterMs`: offer to archive the channel that long after resolving (config). */
  | { type: 'resolved'; by: string; summary: string; archiveAfterMs?: number }
  | { type: 'reopened'; by: string; reason: string }
  | { type: 'owner_changed'; by: string; from: string | null; to: string }
  | { type: 'state_changed'; by: string; from: State; to: State }
  /** A status update is due (epoch ms); addressed to the owner, with Post update and Snooze. */
  | {
      type: 'status_update_due';
      ownerId: string | null;
      dueAt: number;
      lastUpdateAt: number | null;
    }
  /** Nobody has taken command since `since` (epoch ms). */
  | { type: 'owner_missing'; since: number }
  /** The channel will be archived at `at` (epoch ms). */
  | { type: 'archive_scheduled'; by: string; at: number }
  | PagingMessage
  | { type: 'timeline_pinned'; by: string; authorId: string | null; via: 'reaction' | 'shortcut' }
  | { type: 'timeline_withdrawn'; by: string }
  | { type: 'cause_question'; suspects: CauseOption[] };

/** A suspect deploy offered as the answer to "Caused by a deploy?" when an incident resolves. */
export interface CauseOption {
  deployId: number;
  service: string;
  environment: string;
  version: string;
  /** ISO 8601; messages travel through the outbox as JSON. */
  at: string;
}

export type MessageTarget =
  /** The incident's own channel. */
  | { kind: 'channel' }
  /** The announce channel from the config; skipped when none is configured. */
  | { kind: 'announce' }
  /** A reply under the pinned incident card. */
  | { kind: 'card_thread' }
  /** A reply under a message posted earlier with `remember` (e.g. a rollback's progress thread). */
  | { kind: 'thread'; key: string };

export interface MessageDelivery {
  incidentId: number;
  to: MessageTarget;
  message: ChatMessage;
  /** Keep the posted message's ts under this key, so later messages can reply in its thread. */
  remember?: string;
}
