import { z } from 'zod';
import type { Incident } from '../domain/incident.js';
import type { TrackerKind } from '../domain/tracker-messages.js';
import { AppError } from '../errors.js';
import { defineEffect } from '../outbox/effects.js';
import {
  type Followup,
  findFollowup,
  findFollowupByIssue,
  setFollowupExport,
} from '../store/followups.js';
import { getIncident } from '../store/incidents.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueueMessage } from './effects.js';
import type { Actor } from './events.js';
import { changeFollowupState } from './followup-state.js';

/**
 * Create the follow-up's issue in its tracker; carried out by src/trackers/export.ts. The row's
 * export_state is the truth: the handler does nothing unless it is still `pending`.
 */
export const followupExportEffect = defineEffect({
  kind: 'followup.export',
  payload: z.object({ followupId: z.number() }),
});

/** Which tracker (if any) an incident's follow-ups go to: its services', else the global one. */
export type TrackerChoice = (services: readonly string[]) => TrackerKind | null;

/** How issues name themselves in webhooks: GitHub repos are case-insensitive, Jira keys upper. */
export function issueKey(kind: TrackerKind, key: string): string {
  return kind === 'github' ? key.toLowerCase() : key.toUpperCase();
}

/** Marks the follow-up pending and queues its export, in the unit of work that made it. */
export async function requestExport(
  tx: Tx,
  followup: Followup,
  kind: TrackerKind,
  actor: Actor,
  at: Date,
): Promise<Followup> {
  const row = await setFollowupExport(
    tx,
    followup.id,
    { trackerKind: kind, exportState: 'pending', exportError: null },
    at,
  );
  await record(
    tx,
    {
      incidentId: followup.incidentId,
      kind: 'followup_export_requested',
      at,
      actor: actor.id,
      source: actor.source,
      payload: { followupId: followup.id, tracker: kind },
    },
    at,
  );
  await followupExportEffect.enqueue(
    tx,
    { lane: `tracker:followup:${followup.id}`, payload: { followupId: followup.id } },
    at,
  );
  return row;
}

export interface FollowupExportDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  trackerFor: TrackerChoice;
}

/** Follow-ups as issues in GitHub or Jira: the state kept here, the calls made by the edge. */
export function createFollowupExport(deps: FollowupExportDeps) {
  const { store, now, kick } = deps;

  /** The follow-up and its incident, while its export is still to be done. */
  async function pending(id: number): Promise<{ followup: Followup; incident: Incident } | null> {
    return await store.read(async (tx) => {
      const followup = await findFollowup(tx, id);
      if (followup?.exportState !== 'pending') return null;
      return { followup, incident: await getIncident(tx, followup.incidentId) };
    });
  }

  async function exported(id: number, issue: { key: string; url: string }): Promise<void> {
    const at = now();
    await store.tx(async (tx) => {
      const row = await findFollowup(tx, id);
      if (row?.exportState !== 'pending' || !row.trackerKind) return;
      const key = issueKey(row.trackerKind, issue.key);
      await setFollowupExport(
        tx,
        id,
        { trackerKey: key, trackerUrl: issue.url, exportState: 'exported', exportError: null },
        at,
      );
      await record(
        tx,
        {
          incidentId: row.incidentId,
          kind: 'followup_exported',
          at,
          actor: row.trackerKind,
          source: row.trackerKind,
          payload: { followupId: id, tracker: row.trackerKind, key, url: issue.url },
        },
        at,
      );
      await enqueueMessage(
        tx,
        row.incidentId,
        { kind: 'channel' },
        {
          type: 'followup_exported',
          followupId: id,
          text: row.text,
          tracker: row.trackerKind,
          key: issue.key,
          url: issue.url,
        },
        at,
      );
    });
    kick();
  }

  /** The tracker refused (or never answered): say so in the channel, with Retry. */
  async function failed(id: number, reason: string): Promise<void> {
    const at = now();
    await store.tx(async (tx) => {
      const row = await findFollowup(tx, id);
      if (row?.exportState !== 'pending' || !row.trackerKind) return;
      await setFollowupExport(tx, id, { exportState: 'failed', exportError: reason }, at);
      await record(
        tx,
        {
          incidentId: row.incidentId,
          kind: 'followup_export_failed',
          at,
          actor: row.trackerKind,
          source: row.trackerKind,
          payload: { followupId: id, tracker: row.trackerKind, reason },
        },
        at,
      );
      await enqueueMessage(
        tx,
        row.incidentId,
        { kind: 'channel' },
        {
          type: 'followup_export_failed',
          followupId: id,
          text: row.text,
          tracker: row.trackerKind,
          reason,
        },
        at,
      );
    });
    kick();
  }

  /** A person's Retry after a refusal. An exported or pending follow-up is left as it is. */
  async function retry(id: number, actor: Actor): Promise<Followup> {
    const at = now();
    const row = await store.tx(async (tx) => {
      const followup = await findFollowup(tx, id);
      if (!followup) throw new AppError('not_found', `There is no follow-up #${id}.`);
      if (followup.exportState === 'exported' || followup.exportState === 'pending')
        return followup;
      const incident = await getIncident(tx, followup.incidentId);
      const kind = deps.trackerFor(incident.services);
      if (!kind)
        throw new AppError(
          'invalid',
          'No tracker is configured for this incident any more (followups.tracker in firebreak.yaml).',
        );
      return await requestExport(tx, followup, kind, actor, at);
    });
    kick();
    return row;
  }

  /**
   * The tracker says the issue was closed: the follow-up is done (or won't do, when it was
   * closed as not planned). An issue firebreak did not create, or a follow-up already done or
   * dropped, changes nothing.
   */
  async function closedInTracker(
    kind: TrackerKind,
    key: string,
    actor: Actor,
    state: 'done' | 'wont_do' = 'done',
  ): Promise<{ followupId: number | null; changed: boolean }> {
    const at = now();
    const outcome = await store.tx(async (tx) => {
      const row = await findFollowupByIssue(tx, kind, issueKey(kind, key));
      if (!row) return { followupId: null, changed: false };
      if (row.state !== 'open') return { followupId: row.id, changed: false };
      // The same change and entry a Done button makes, by the tracker's user.
      await changeFollowupState(tx, row, state, actor, at, { issue: row.trackerKey });
      await enqueueMessage(
        tx,
        row.incidentId,
        { kind: 'channel' },
        {
          type: 'followup_closed_in_tracker',
          followupId: row.id,
          text: row.text,
          tracker: kind,
          key: row.trackerKey ?? key,
          url: row.trackerUrl,
          by: actor.id,
          state,
        },
        at,
      );
      return { followupId: row.id, changed: true };
    });
    if (outcome.changed) kick();
    return outcome;
  }

  return { pending, exported, failed, retry, closedInTracker };
}

export type FollowupExport = ReturnType<typeof createFollowupExport>;
