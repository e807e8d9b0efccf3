import type { Incident } from '../domain/incident.js';
import type { ChatMessage } from '../domain/messages.js';
import type { TimelineInput } from '../domain/timeline.js';
import type { AppError } from '../errors.js';
import type { IncidentChanges } from '../store/incidents.js';
import type { IncidentEvent } from './events.js';

// What a lifecycle decision says to do, as plain values. The shell in service.ts reads the
// incident, asks a decide function (lifecycle-decide.ts, declare-decide.ts), then carries the
// answer out inside the same transaction, in the order given here.

/** What the decide functions read: the incident and the one stored column they need beyond it. */
export interface LifecycleState {
  incident: Incident;
  /** When the next status update is due (the reminder clock); not part of the domain Incident. */
  nextUpdateDueAt: Date | null;
}

/** A timeline entry about the incident the command is for; the shell adds the incident id. */
export type Entry = Omit<TimelineInput, 'incidentId'>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event for the listeners; the shell adds the incident as it is after the change, the actor and the time. */
export type EventDraft = DistributiveOmit<IncidentEvent, 'incident' | 'actor' | 'at'>;

/** What follows the write, in order: listeners may enqueue their own messages on the same lane. */
export type Step =
  | { emit: EventDraft }
  /** `announce`: also post it in the announce channel. */
  | { post: ChatMessage; announce: boolean };

/**
 * The command is refused. Refusals are values, not throws, because a permission refusal must
 * still leave its audit entry: the shell records `audit`, commits, and only then throws `error`.
 */
export interface Refused {
  type: 'refused';
  error: AppError;
  audit?: Entry;
}

/** Nothing to change (a repeat, or already so); the card is still refreshed. */
export interface Unchanged {
  type: 'unchanged';
  incident: Incident;
}

export interface Changed {
  type: 'changed';
  /** Columns to write (`updatedAt` included); undefined values leave a column as it is. */
  write?: IncidentChanges;
  /** Services to link to the incident (only ones it does not have yet). */
  addServices?: readonly string[];
  /** Timeline entries, in order. */
  record: readonly Entry[];
  /** After the write and the entries: listeners and messages, in order. */
  after: readonly Step[];
  /** Whether the card is refreshed (a note leaves the card as it is). */
  publish: boolean;
}

/** Resolve it: what resolving means is shared with alert intake (resolution.ts). */
export interface Resolving {
  type: 'resolve';
  incident: Incident;
  summary: string;
  /** When it really happened, if it happened elsewhere first (PagerDuty resolved it). */
  when?: Date;
}

export type Decision = Refused | Unchanged | Changed | Resolving;

export const unchanged = (incident: Incident): Unchanged => ({ type: 'unchanged', incident });

export const refused = (error: AppError, audit?: Entry): Refused =>
  audit ? { type: 'refused', error, audit } : { type: 'refused', error };
