import type { Logger } from 'pino';
import { apiRoutes } from '../http/api.js';
import { createTimelineCapture } from '../incidents/capture.js';
import { askForCause, createCauses } from '../postmortem/cause.js';
import type { SlackClients } from '../slack/clients.js';
import { captureHandlers } from '../slack/events/timeline-capture.js';
import { createPeopleNames, personLookupHandler } from '../slack/people-names.js';
import type { Base, Module } from './module.js';

export interface TimelineModuleDeps extends Base {
  /** Slack, to read a message before it is pinned into the timeline, and people's names. */
  slack: SlackClients;
  log: Logger;
}

/** The record: timeline capture from Slack, the postmortem's cause question, the read API. */
export function timelineModule(deps: TimelineModuleDeps) {
  const { store, now, kick } = deps;
  // incidents.pinReaction: the reaction that copies a message into the timeline.
  const { pinReaction } = deps.config.file.incidents;
  const capture = createTimelineCapture({ store, now, kick });
  const causes = createCauses({ store, now, kick });
  const people = {
    store,
    client: deps.slack.web,
    call: deps.slack.chat.call,
    now,
    log: deps.log.child({ component: 'people' }),
  };
  const namesOf = createPeopleNames(people);
  return {
    services: { capture, causes },
    effects: [
      ...captureHandlers({
        capture,
        client: deps.slack.web,
        call: deps.slack.chat.call,
        botUserId: deps.slack.botUserId,
        pinReaction,
      }),
      personLookupHandler({ ...people, kick }),
    ],
    listeners: [askForCause],
    routes: apiRoutes({ store, now, apiToken: deps.config.apiToken, namesOf }),
    slack: { capture, causes, pinReaction, namesOf },
    jobs: [],
  } satisfies Module<unknown, unknown>;
}
