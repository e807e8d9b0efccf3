import { type Incident, incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import type { Actor } from './events.js';
import type { Entry, Refused } from './lifecycle-decision.js';
import { refused } from './lifecycle-decision.js';

/** Who may make a private incident public: its owner and the configured commanders. */
export interface VisibilityPolicy {
  /** Slack user ids or user-group ids (permissions.commanders). */
  commanders: readonly string[];
}

export type MakePublic =
  | Refused
  | { type: 'unchanged'; incident: Incident }
  | { type: 'make_public'; incident: Incident; record: Entry };

/**
 * `/incident public`: the owner or a commander turns a private incident into an ordinary one
 * (listed, on the App Home, in the read API, announced). Anyone else is refused with an audit
 * entry. Pure: the shell in visibility.ts writes what it says.
 */
export function decideMakePublic(
  incident: Incident,
  actor: Actor,
  policy: VisibilityPolicy,
  at: Date,
): MakePublic {
  if (!incident.private) return { type: 'unchanged', incident };
  const allowed = new Set(policy.commanders);
  const may =
    actor.source !== 'slack' ||
    incident.ownerId === actor.id ||
    allowed.has(actor.id) ||
    (actor.groups ?? []).some((g) => allowed.has(g));
  if (!may) {
    const owner = incident.ownerId ? `<@${incident.ownerId}>` : 'the owner';
    return refused(
      new AppError(
        'forbidden',
        `You are not allowed to make ${incidentRef(incident.id)} public. Ask ${owner} or a configured commander.`,
        { mentions: incident.ownerId ? [incident.ownerId] : [] },
      ),
      {
        kind: 'permission_denied',
        at,
        actor: actor.id,
        source: actor.source,
        payload: { action: 'make public' },
      },
    );
  }
  return {
    type: 'make_public',
    incident: { ...incident, private: false },
    record: { kind: 'incident_made_public', at, actor: actor.id, source: actor.source },
  };
}
