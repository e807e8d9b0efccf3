import type { Logger } from 'pino';
import { createVisibility } from '../incidents/visibility.js';
import type { SlackClients } from '../slack/clients.js';
import { createHome } from '../slack/home.js';
import type { Base, Module } from './module.js';

export interface HomeModuleDeps extends Base {
  slack: Pick<SlackClients, 'web' | 'chat'>;
  /** Display names (the people-names cache of the timeline module). */
  namesOf: (userIds: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  log: Logger;
}

/** Private incidents (who sees them, making them public) and the App Home. */
export function homeModule(deps: HomeModuleDeps) {
  const { store, now, kick, catalog } = deps;
  const visibility = createVisibility({
    store,
    now,
    kick,
    policy: { commanders: deps.config.file.permissions.commanders },
  });
  const home = createHome({
    store,
    now,
    kick,
    catalog,
    web: deps.slack.web,
    call: deps.slack.chat.call,
    namesOf: deps.namesOf,
    log: deps.log.child({ component: 'home' }),
  });
  return {
    services: { visibility, home },
    effects: home.effects,
    listeners: [],
    routes: [],
    slack: { visibility, home },
    jobs: [
      // Homes of recent viewers whose content changed, refreshed once per sweep at most.
      {
        name: 'home-refresh',
        schedule: '*/10 * * * * *',
        run: async () => void (await home.sweep()),
      },
    ],
  } satisfies Module<unknown, unknown>;
}
