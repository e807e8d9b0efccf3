import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Actor } from '../incidents/events.js';

export interface ActorResolverOptions {
  client: webApi.WebClient;
  /** Ids from permissions.deployers/commanders; the user-group ones (S…) are looked up. */
  privileged: readonly string[];
  now: () => Date;
  log: Logger;
  /** How long a group's member list is trusted. */
  ttlMs?: number;
  /** A slow lookup must not cost the 3 s a trigger_id lives: give up and use what we have. */
  lookupTimeoutMs?: number;
}

export type ActorOf = (userId: string) => Promise<Actor>;

interface Cached {
  members: ReadonlySet<string>;
  fetchedAt: number;
}

/**
 * Slack users become Actors with the configured user groups they belong to, so the core can
 * check permissions without knowing Slack. Member lists are cached for a few minutes; when
 * Slack cannot answer, the last known list is used, and without one the user is in no group
 * (the safe side: they can still do everything that needs no privilege).
 */
export function createActorResolver(options: ActorResolverOptions): ActorOf {
  const groups = [...new Set(options.privileged.filter((id) => id.startsWith('S')))];
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const timeoutMs = options.lookupTimeoutMs ?? 1500;
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<ReadonlySet<string>>>();

  async function fetchMembers(group: string): Promise<ReadonlySet<string>> {
    const result = await options.client.usergroups.users.list({ usergroup: group });
    const members = new Set(result.users ?? []);
    cache.set(group, { members, fetchedAt: options.now().getTime() });
    return members;
  }

  async function membersOf(group: string): Promise<ReadonlySet<string>> {
    const cached = cache.get(group);
    if (cached && options.now().getTime() - cached.fetchedAt < ttlMs) return cached.members;
    let pending = inFlight.get(group);
    if (!pending) {
      pending = fetchMembers(group).finally(() => inFlight.delete(group));
      inFlight.set(group, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    try {
      const members = await Promise.race([pending, timeout]);
      if (members) return members;
      options.log.warn({ group }, 'user group lookup is slow; using what is known');
    } catch (error) {
      options.log.warn({ err: error, group }, 'user group lookup failed; using what is known');
    } finally {
      clearTimeout(timer);
    }
    return cached?.members ?? new Set();
  }

  return async (userId) => {
    if (groups.length === 0) return { id: userId, source: 'slack' };
    const memberships = await Promise.all(
      groups.map(async (group) => ((await membersOf(group)).has(userId) ? group : null)),
    );
    return {
      id: userId,
      source: 'slack',
      groups: memberships.filter((g): g is string => g !== null),
    };
  };
}
