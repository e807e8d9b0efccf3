import { CHECKLIST_MAX_STEPS } from '../config.js';
import { createChecklist } from '../incidents/checklist.js';
import { createEscalation } from '../incidents/escalation.js';
import { escalationDmEffect } from '../incidents/escalation-effects.js';
import { pageMode } from '../paging/policy.js';
import { renderEscalationDm } from '../slack/blocks/escalation.js';
import type { SlackClients } from '../slack/clients.js';
import { slackDirectMessages } from '../slack/escalation-dm.js';
import { getIncident } from '../store/incidents.js';
import type { Base, Module } from './module.js';

export interface EscalationModuleDeps extends Base {
  /** Slack, for the direct messages of the people a tier calls. */
  slack: SlackClients;
}

/**
 * What the bot does before people can: escalation tiers while an incident is unacknowledged
 * (unless PagerDuty escalates it), and the services' checklists on the card.
 */
export function escalationModule(deps: EscalationModuleDeps) {
  const { store, now, kick, catalog, policies } = deps;
  const escalation = createEscalation({
    store,
    now,
    kick,
    policy: policies.escalation,
    ownersOf: catalog.owners,
    pagesThroughPagerDuty: (service) => pageMode(policies.paging, service) !== null,
  });
  const checklist = createChecklist({
    store,
    now,
    kick,
    checklistOf: catalog.checklist,
    maxSteps: CHECKLIST_MAX_STEPS,
  });
  const dm = slackDirectMessages({ client: deps.slack.web, call: deps.slack.chat.call });
  const escalates = Object.values(policies.escalation.tiers).some((t) => t && t.length > 0);
  return {
    services: { escalation, checklist },
    effects: [
      escalationDmEffect.handledBy(async ({ incidentId, userId, call }) => {
        const incident = await store.read((tx) => getIncident(tx, incidentId));
        await dm.send(userId, renderEscalationDm(call, incident));
      }),
    ],
    listeners: [escalation.listener, checklist.listener],
    routes: [],
    slack: { checklist },
    // Due times are on the incident rows; each sweep calls out what is due and moves it on.
    jobs: escalates
      ? [
          {
            name: 'escalation',
            schedule: '*/5 * * * * *',
            run: async () => void (await escalation.sweep()),
          },
        ]
      : [],
  } satisfies Module<unknown, unknown>;
}
