import type { Severity } from '../domain/incident.js';
import { AppError } from '../errors.js';
import type { Actor } from './events.js';
import type { Entry, Refused } from './lifecycle-decision.js';
import type { Opening } from './open.js';

export const TITLE_MAX = 150;

export interface DeclareInput {
  title: string;
  severity: Severity;
  services?: readonly string[];
  environment?: string;
  description?: string | null;
  /** The message a "Declare incident" shortcut was used on: the first timeline entry. */
  fromMessage?: { text: string; userId: string | null; permalink: string | null; at: Date } | null;
  /** Who commands it; the declarer when not given. */
  ownerId?: string | null;
  /** A private incident: private channel, no announcement, seen only by its channel's members. */
  private?: boolean;
}

/** Open it (through open.ts), then record the message it was declared from, if any. */
export interface Declaring {
  type: 'open';
  opening: Opening;
  fromMessage: Entry | null;
}

/**
 * Decides a person's (or a trusted door's) declaration. `services`: the input's services,
 * already resolved to catalog names. Pure: the shell in service.ts opens the incident.
 */
export function decideDeclare(
  input: DeclareInput,
  services: readonly string[],
  actor: Actor,
  policy: { defaultEnvironment: string },
  at: Date,
): Declaring | Refused {
  const title = input.title.trim();
  if (!title)
    return { type: 'refused', error: new AppError('invalid', 'An incident needs a title.') };
  if (title.length > TITLE_MAX) {
    return {
      type: 'refused',
      error: new AppError(
        'invalid',
        `The title is ${title.length} characters; keep it under ${TITLE_MAX}.`,
      ),
    };
  }
  const unique = [...new Set(services)];
  const ownerId =
    input.ownerId === undefined ? (actor.source === 'slack' ? actor.id : null) : input.ownerId;
  const environment = input.environment?.trim().toLowerCase() || policy.defaultEnvironment;
  const from = input.fromMessage;
  const isPrivate = input.private === true;
  return {
    type: 'open',
    opening: {
      incident: {
        title,
        description: input.description?.trim() || null,
        severity: input.severity,
        state: 'investigating',
        ownerId,
        environment,
        source: 'declared',
        createdBy: actor.id,
        impactStartedAt: from?.at ?? null,
        detectedAt: at,
        declaredAt: at,
        acknowledgedAt: at, // a person declaring is a person on it
        private: isPrivate,
      },
      services: unique,
      opened: {
        kind: 'incident_declared',
        actor: actor.id,
        source: actor.source,
        payload: {
          title,
          severity: input.severity,
          services: unique,
          environment,
          ownerId,
          ...(isPrivate ? { private: true } : {}),
        },
      },
    },
    // The message it was declared from joins the timeline at the time it was posted.
    fromMessage: from
      ? {
          kind: 'note',
          at: from.at,
          actor: from.userId ?? actor.id,
          source: 'slack',
          payload: { text: from.text, permalink: from.permalink, declaredFrom: true },
        }
      : null,
  };
}
