import type { App } from '@slack/bolt';
import type { Db } from '../db/client.js';
import { claimDelivery } from '../deliveries.js';
import type { Incidents } from '../incidents/service.js';
import type { Paging } from '../paging/service.js';
import { pageOnCallClicked } from './actions/page.js';
import { pageSubcommand } from './commands/page.js';
import { routeSubcommands } from './commands/router.js';
import { replyWithAppErrors } from './errors.js';
import { actions, commands } from './ids.js';

export interface SlackServices {
  db: Db;
  now: () => Date;
  incidents: Incidents;
  paging: Paging;
}

/** The routing table: one line per command, action, view and event. */
export function registerListeners(app: App, services: SlackServices): void {
  app.use(replyWithAppErrors);
  app.use(dropRedeliveredEvents(services));
  app.action(actions.pageOnCall, pageOnCallClicked(services));
  app.command(
    commands.incident,
    routeSubcommands({
      db: services.db,
      table: { page: pageSubcommand(services) },
      actorOf: async (userId) => ({ id: userId, source: 'slack' }),
    }),
  );
}

/**
 * Slack retries an event it thinks we missed (X-Slack-Retry-Num) and Bolt does not dedupe:
 * claim the event_id first, so a retry that arrives while the original still runs does nothing.
 */
const dropRedeliveredEvents =
  ({ db, now }: SlackServices): Parameters<App['use']>[0] =>
  async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !claimDelivery(db, 'slack', eventId, now())) return;
    await next();
  };
