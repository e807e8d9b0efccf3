import { pagerDutyRoutes } from '../http/pagerduty.js';
import type { AlertIntake } from '../incidents/intake.js';
import type { Incidents } from '../incidents/service.js';
import { createPagerDelivery } from '../paging/delivery.js';
import { createPagerDutyInbound } from '../paging/inbound.js';
import type { Pager } from '../paging/ports.js';
import { createPaging } from '../paging/service.js';
import type { SlackClients } from '../slack/clients.js';
import { slackPeople } from '../slack/directory.js';
import type { Base, Module } from './module.js';

export interface PagingModuleDeps extends Base {
  intake: AlertIntake;
  incidents: Incidents;
  pager: Pager;
  /** Slack, to find the chat user of an on-call PagerDuty user. */
  slack: SlackClients;
  /** Attempts before a page is reported failed. */
  maxAttempts?: number;
}

/** PagerDuty both ways: pages and owner lookups out through the outbox, webhooks in. */
export function pagingModule(deps: PagingModuleDeps) {
  const { store, now, kick, catalog } = deps;
  const policy = deps.policies.paging;
  // Slack's own redirect opens the channel in the app (GovSlack and emulators: their host).
  const slackOrigin = new URL(deps.config.slack.apiUrl).origin;
  const paging = createPaging({ store, now, catalog, kick, policy });
  const inbound = createPagerDutyInbound({
    store,
    now,
    kick,
    policy,
    intake: deps.intake,
    incidents: deps.incidents,
  });
  return {
    services: { paging, inbound },
    effects: createPagerDelivery({
      store,
      now,
      kick,
      policy,
      pager: deps.pager,
      people: slackPeople(deps.slack.chat.call, deps.slack.web),
      incidents: deps.incidents,
      channelUrl: (channelId) => `${slackOrigin}/app_redirect?channel=${channelId}`,
      maxAttempts: deps.maxAttempts,
    }),
    listeners: [paging.listener],
    routes: pagerDutyRoutes({
      secrets: deps.config.pagerDuty.webhookSecrets,
      receive: inbound.receive,
    }),
    slack: { paging },
    jobs: [],
  } satisfies Module<unknown, unknown>;
}
