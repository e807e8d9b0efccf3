import type { PagingMessage } from '../paging/messages.js';
import type { Severity } from './incident.js';

/**
 * Messages the core asks the chat edge to post, in domain terms. The edge renders each type
 * (src/slack/blocks/messages.ts); the switch there is exhaustive, so a new type must be rendered.
 */
export type ChatMessage =
  | { type: 'alerts_all_resolved'; firing: number; resolved: number; autoResolved: boolean }
  | { type: 'status_update'; by: string; text: string }
  | { type: 'note_added'; by: string; text: string }
  | { type: 'severity_changed'; by: string; from: Severity; to: Severity }
  | { type: 'resolved'; by: string; summary: string }
  | { type: 'reopened'; by: string; reason: string }
  | PagingMessage;

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
