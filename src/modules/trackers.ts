import { trackerRoutes } from '../http/trackers.js';
import { createFollowupExport } from '../incidents/followup-export.js';
import { followupExportHandler, trackerKindFor, webhookSecrets } from '../trackers/export.js';
import type { Base, Module } from './module.js';

export interface TrackersModuleDeps extends Base {
  /** Display names for the issue body (the cached Slack names). */
  namesOf: (userIds: readonly string[]) => Promise<Map<string, string>>;
}

/** A tracker that has not answered for this long is reported in the channel, with Retry. */
const GIVE_UP_AFTER_MS = 60 * 60_000;

/** Follow-ups as GitHub or Jira issues (config `followups.tracker`), closed back by webhook. */
export function trackersModule(deps: TrackersModuleDeps) {
  const { store, now, kick, config } = deps;
  const file = config.file;
  const exports = createFollowupExport({
    store,
    now,
    kick,
    trackerFor: trackerKindFor(file),
  });
  return {
    services: { followupExport: exports },
    effects: [
      followupExportHandler({
        exports,
        file,
        now,
        namesOf: deps.namesOf,
        publicUrl: config.http.publicUrl ?? null,
        giveUpAfterMs: GIVE_UP_AFTER_MS,
      }),
    ],
    listeners: [],
    routes: trackerRoutes({
      exports,
      secrets: { github: webhookSecrets(file, 'github'), jira: webhookSecrets(file, 'jira') },
    }),
    slack: { followupExport: exports },
    jobs: [],
  } satisfies Module<unknown, unknown>;
}
