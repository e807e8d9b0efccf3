import type { TimelineInput } from '../domain/timeline.js';
import { AppError } from '../errors.js';
import type { Actor } from '../incidents/events.js';
import type { Store } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';

/**
 * Rollbacks, freezes and lifts (PRODUCT §3): the owner of the linked incident and the
 * configured deployers (user ids or user-group ids). PagerDuty, the CLI, the API and the bot
 * itself are trusted doors, as in the incident lifecycle.
 */
export function mayChangeDeploys(
  actor: Actor,
  deployers: readonly string[],
  incidentOwnerId: string | null,
): boolean {
  if (actor.source !== 'slack') return true;
  if (incidentOwnerId !== null && incidentOwnerId === actor.id) return true;
  const allowed = new Set(deployers);
  return allowed.has(actor.id) || (actor.groups ?? []).some((g) => allowed.has(g));
}

/** What a refused change leaves behind: the audit entry and the "not allowed" error. */
export interface Denial {
  audit: TimelineInput;
  error: AppError;
}

/** The refusal as values: the entry for the incident's timeline (else the audit stream), and the error. */
export function denial(
  input: {
    actor: Actor;
    incidentId: number | null;
    ownerId: string | null;
    action: string;
    at: Date;
  },
  payload: Record<string, unknown>,
): Denial {
  const ask = input.ownerId
    ? `Ask <@${input.ownerId}> (the incident owner) or a deployer.`
    : 'Ask a deployer (permissions.deployers in firebreak.yaml).';
  return {
    audit: {
      incidentId: input.incidentId,
      kind: 'permission_denied',
      at: input.at,
      actor: input.actor.id,
      source: input.actor.source,
      payload: { action: input.action, ...payload },
    },
    error: new AppError('forbidden', `You are not allowed to ${input.action}. ${ask}`, {
      mentions: input.ownerId ? [input.ownerId] : [],
    }),
  };
}

/**
 * Records the refusal (in the incident's timeline, else the audit stream) in its own
 * transaction, so the audit entry survives, then throws the "not allowed" error.
 */
export async function refuse(
  store: Store,
  input: Parameters<typeof denial>[0],
  payload: Record<string, unknown>,
): Promise<never> {
  const { audit, error } = denial(input, payload);
  await store.tx((tx) => record(tx, audit, input.at));
  throw error;
}
