import type { Logger } from 'pino';
import { alertRoutes } from '../http/alerts.js';
import { archiveHandler, createArchiving } from '../incidents/archive.js';
import type { IncidentEvents } from '../incidents/events.js';
import { createFollowups } from '../incidents/followups.js';
import { createInbox } from '../incidents/inbox.js';
import { createAlertIntake } from '../incidents/intake.js';
import { lookUpNewOwners } from '../incidents/office-hours.js';
import { createReminders } from '../incidents/reminders.js';
import { createIncidents } from '../incidents/service.js';
import { createPublisher } from '../read-model/publish.js';
import type { SlackClients } from '../slack/clients.js';
import { trackerKindFor } from '../trackers/export.js';
import type { Base, Module } from './module.js';

export interface IncidentsModuleDeps extends Base {
  /** Slack, where incidents are shown. */
  slack: Pick<SlackClients, 'chat'>;
  /** The services run every listener registered here (by later modules too) in their transactions. */
  events: IncidentEvents;
  log: Logger;
  onAlertsReceived?: (source: string, count: number) => void;
}

/** Incidents: alert intake through the inbox, the lifecycle, reminders, archiving, follow-ups. */
export function incidentsModule(deps: IncidentsModuleDeps) {
  const { store, now, kick, catalog, policies, events } = deps;
  const { chat } = deps.slack;
  const publisher = createPublisher({
    store,
    chat,
    catalog,
    now,
    announceChannel: deps.config.file.incidents.announceChannel,
    officeHours: policies.reminders.officeHours,
  });
  const incidents = createIncidents({
    store,
    now,
    catalog,
    kick,
    listeners: events.listeners,
    policy: policies.lifecycle,
  });
  const intake = createAlertIntake({
    store,
    now,
    catalog,
    kick,
    listeners: events.listeners,
    alertListeners: events.alertListeners,
    policy: policies.intake,
  });
  const inbox = createInbox({
    store,
    now,
    intake,
    kick,
    log: deps.log.child({ component: 'inbox' }),
  });
  const reminders = createReminders({ store, now, kick, policy: policies.reminders });
  const archiving = createArchiving({
    store,
    now,
    kick,
    archiveAfterMs: policies.lifecycle.archiveAfterMs,
  });
  // With `followups.tracker` set, each new follow-up is queued for export in its own commit.
  const followups = createFollowups({
    store,
    now,
    kick,
    trackerFor: trackerKindFor(deps.config.file),
  });
  const slack = { incidents, reminders, archiving, followups };
  return {
    services: { ...slack, intake, inbox },
    effects: [...publisher.effects, archiveHandler({ store, chat, now })],
    // Office hours count in each owner's own zone: learn it when someone takes an incident.
    listeners: policies.reminders.officeHours ? [lookUpNewOwners] : [],
    routes: alertRoutes({
      inbox,
      ingestToken: deps.config.ingestToken,
      onReceived: deps.onAlertsReceived,
    }),
    slack,
    jobs: [
      // Due times are on the incident rows; each sweep posts what is due and moves it on.
      {
        name: 'reminders',
        schedule: '*/30 * * * * *',
        run: async () => void (await reminders.sweep()),
      },
    ],
  } satisfies Module<unknown, unknown>;
}
