import type { webApi } from '@slack/bolt';
import type { People } from '../paging/ports.js';
import { SlackCallError } from './chat.js';

/**
 * E-mail → Slack user (users.lookupByEmail; needs users:read and users:read.email). The paging
 * core caches answers in user_directory, so this is asked rarely.
 */
export function slackPeople(
  call: <T>(method: string, fn: () => Promise<T>) => Promise<T>,
  client: webApi.WebClient,
): People {
  return {
    async findByEmail(email) {
      try {
        const result = await call('users.lookupByEmail', () =>
          client.users.lookupByEmail({ email }),
        );
        return result.user?.id ?? null;
      } catch (error) {
        if (error instanceof SlackCallError && error.slackError === 'users_not_found') return null;
        throw error;
      }
    },
  };
}
