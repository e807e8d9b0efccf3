import type { Severity } from '../domain/incident.js';

// Escalation without PagerDuty, as pure decisions: which tiers are due, who each one calls,
// when the next one is due. src/incidents/escalation.ts does the reading and writing.

/** One entry of a tier's `notify`: the services' owners, a user, a user group, or the channel. */
export type NotifyEntry = string;

export interface EscalationTier {
  /** Measured from the incident's opening. */
  readonly afterMs: number;
  readonly notify: readonly NotifyEntry[];
}

export interface EscalationPolicy {
  /** Tiers per severity, in time order; a severity without tiers is never escalated. */
  readonly tiers: Readonly<Partial<Record<Severity, readonly EscalationTier[]>>>;
}

/** Who one tier calls out: people by direct message, groups and the channel by mention. */
export interface Recipients {
  users: string[];
  groups: string[];
  broadcast: 'here' | 'channel' | null;
  /** `owners` was asked for, but neither the services nor the incident have one. */
  ownersMissing: boolean;
}

export const tiersFor = (policy: EscalationPolicy, severity: Severity): readonly EscalationTier[] =>
  policy.tiers[severity] ?? [];

const dueAt = (openedAt: Date, tier: EscalationTier) => openedAt.getTime() + tier.afterMs;

/** Indexes of the tiers whose time has come at `now`. */
export function dueTierIndexes(
  tiers: readonly EscalationTier[],
  openedAt: Date,
  now: Date,
): number[] {
  return tiers.flatMap((tier, i) => (dueAt(openedAt, tier) <= now.getTime() ? [i] : []));
}

/** When the first tier still to come after `now` is due; null when none is left. */
export function nextDueAt(
  tiers: readonly EscalationTier[],
  openedAt: Date,
  now: Date | null,
): Date | null {
  const later = tiers
    .map((tier) => dueAt(openedAt, tier))
    .filter((t) => now === null || t > now.getTime());
  return later.length > 0 ? new Date(Math.min(...later)) : null;
}

/**
 * `owners` are the configured owners of the incident's services; when none is configured, the
 * incident's owner. A user-group id among the owners is mentioned, not messaged.
 */
export function recipientsOf(
  tier: EscalationTier,
  owners: { services: readonly string[]; incident: string | null },
): Recipients {
  const users = new Set<string>();
  const groups = new Set<string>();
  let broadcast: Recipients['broadcast'] = null;
  let ownersMissing = false;
  const add = (id: string) => (id.startsWith('S') ? groups.add(id) : users.add(id));
  for (const entry of tier.notify) {
    if (entry === 'owners') {
      const who =
        owners.services.length > 0 ? owners.services : owners.incident ? [owners.incident] : [];
      if (who.length === 0) ownersMissing = true;
      for (const id of who) add(id);
    } else if (entry === 'here' || entry === 'channel') {
      // @channel is the louder of the two: asked for both, the channel gets @channel.
      broadcast = broadcast === 'channel' ? 'channel' : entry;
    } else add(entry);
  }
  return { users: [...users], groups: [...groups], broadcast, ownersMissing };
}

/** The services of the incident whose escalation is PagerDuty's (they page through it). */
export const pagedServices = (
  services: readonly string[],
  pagesThroughPagerDuty: (service: string) => boolean,
): string[] => services.filter(pagesThroughPagerDuty);
