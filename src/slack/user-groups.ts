import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Actor } from '../incidents/events.js';

/**
 * Slack users as Actors, with the configured user groups (S…) they belong to, for
 * "deployers: [S0GROUP]". Memberships are asked with usergroups.users.list and kept for a
 * minute; when Slack cannot answer, the user counts as in no group (the safe direction).
 */
export function slackActorOf(options: {
  client: webApi.WebClient;
  /** Group ids named in permissions (only these are asked about). */
  groupIds: readonly string[];
  log: Logger;
  ttlMs?: number;
}): (userId: string) => Promise<Actor> {
  const ttlMs = options.ttlMs ?? 60_000;
  const cache = new Map<string, { members: Set<string>; until: number }>();

  async function members(groupId: string): Promise<Set<string>> {
    const cached = cache.get(groupId);
    if (cached && cached.until > Date.now()) return cached.members;
    try {
      const result = await options.client.usergroups.users.list({ usergroup: groupId });
      const set = new Set(result.users ?? []);
      cache.set(groupId, { members: set, until: Date.now() + ttlMs });
      return set;
    } catch (error) {
      options.log.warn(
        { err: error, groupId },
        'could not read a user group; treating as no member',
      );
      return new Set();
    }
  }

  const groups = [...new Set(options.groupIds.filter((id) => id.startsWith('S')))];
  return async (userId) => {
    const mine: string[] = [];
    for (const group of groups) if ((await members(group)).has(userId)) mine.push(group);
    return { id: userId, source: 'slack', groups: mine };
  };
}
