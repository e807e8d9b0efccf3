import { type Incident, incidentRef, isOpen } from '../domain/incident.js';
import { AppError } from '../errors.js';
import type { Actor } from './events.js';
import { type Refused, refused } from './lifecycle-decision.js';

/** Users and user groups allowed to change what only the owner may change. */
export interface PermissionPolicy {
  deployers: readonly string[];
  commanders: readonly string[];
}

/** The guarded actions, named for the "not allowed" message and the audit entry. */
export type Guarded = 'change the owner of' | 'lower the severity of' | 'resolve' | 'reopen';

/** The owner, and configured deployers/commanders (user ids or user-group ids), may act for the owner. */
export function isPrivileged(
  incident: Pick<Incident, 'ownerId'>,
  actor: Actor,
  policy: PermissionPolicy,
): boolean {
  if (actor.source !== 'slack') return true; // PagerDuty, the CLI and the bot itself are trusted doors
  if (incident.ownerId === actor.id) return true;
  const allowed = new Set([...policy.deployers, ...policy.commanders]);
  return allowed.has(actor.id) || (actor.groups ?? []).some((g) => allowed.has(g));
}

/** Resolving is guarded while the incident is open and someone owns it. */
export const resolveIsGuarded = (incident: Incident): boolean =>
  isOpen(incident.state) && incident.ownerId !== null;

/**
 * Refuses with a clear message when `applies` and the actor is not privileged, with an audit
 * entry the shell keeps although the command is refused. Null: the actor may go on.
 */
export function refuseUnlessPrivileged(
  incident: Incident,
  actor: Actor,
  action: Guarded,
  applies: boolean,
  policy: PermissionPolicy,
  at: Date,
): Refused | null {
  if (!applies || isPrivileged(incident, actor, policy)) return null;
  const owner = incident.ownerId ? `<@${incident.ownerId}>` : 'the owner';
  return refused(
    new AppError(
      'forbidden',
      `You are not allowed to ${action} ${incidentRef(incident.id)}. Ask ${owner} or a configured commander.`,
      { mentions: incident.ownerId ? [incident.ownerId] : [] },
    ),
    {
      kind: 'permission_denied',
      at,
      actor: actor.id,
      source: actor.source,
      payload: { action },
    },
  );
}
