import { z } from 'zod';
import { incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { defineEffect } from '../outbox/effects.js';
import { findIncidentRow, getIncident } from '../store/incidents.js';
import { latestEventOfKind } from '../store/timeline-reads.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record, streamOf } from '../timeline/timeline.js';
import { enqueueMessage } from './effects.js';
import type { Actor } from './events.js';

/** Archive the channel of a resolved incident; `resolvedAt` (epoch ms) names the resolution. */
export const archiveEffect = defineEffect({
  kind: 'incident.archive',
  payload: z.object({ incidentId: z.number(), resolvedAt: z.number() }),
});

export interface ArchiveDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  /** How long after the click the channel is archived (config incidents.archiveAfter). */
  archiveAfterMs: number | undefined;
}

/**
 * "Archive this channel later", offered after resolving. The archive is a delayed outbox item
 * (durable across restarts) in its own lane, so the wait never holds up the incident's
 * messages; when it comes due it archives only if the incident is still resolved.
 */
export function createArchiving({ store, now, kick, archiveAfterMs }: ArchiveDeps) {
  async function schedule(id: number, actor: Actor): Promise<{ at: Date; changed: boolean }> {
    if (!archiveAfterMs)
      throw new AppError('invalid', 'Archiving incident channels is not configured.');
    const at = now();
    const result = await store.tx(async (tx) => {
      const incident = await getIncident(tx, id);
      if (incident.state !== 'resolved' || !incident.resolvedAt)
        throw new AppError('conflict', `${incidentRef(id)} is open again; its channel stays.`);
      if (!incident.channelId)
        throw new AppError('conflict', `${incidentRef(id)} has no channel to archive.`);
      const archiveAt = new Date(at.getTime() + archiveAfterMs);
      // One schedule per resolution: a double click, or a second person, changes nothing.
      const recorded = await record(
        tx,
        {
          incidentId: id,
          kind: 'channel_archive_scheduled',
          at,
          actor: actor.id,
          source: actor.source,
          payload: { channelId: incident.channelId, archiveAt: archiveAt.toISOString() },
          dedupeKey: `archive:${incident.resolvedAt.getTime()}`,
        },
        at,
      );
      if (!recorded) return { at: (await scheduledAt(tx, id)) ?? archiveAt, changed: false };
      await archiveEffect.enqueue(
        tx,
        {
          lane: `archive:incident:${id}`,
          payload: { incidentId: id, resolvedAt: incident.resolvedAt.getTime() },
          delayMs: archiveAfterMs,
        },
        at,
      );
      await enqueueMessage(
        tx,
        id,
        { kind: 'channel' },
        { type: 'archive_scheduled', by: actor.id, at: archiveAt.getTime() },
        at,
      );
      return { at: archiveAt, changed: true };
    });
    if (result.changed) kick();
    return result;
  }

  return { schedule };
}

/** The outbox handler: archives the channel unless the incident was reopened meanwhile. */
/** What archiving needs from the chat platform (the Chat port in src/read-model/ports.ts has it). */
export interface ChannelArchiver {
  archiveChannel(channelId: string): Promise<void>;
}

export function archiveHandler(deps: { store: Store; chat: ChannelArchiver; now: () => Date }) {
  const { store, chat, now } = deps;
  return archiveEffect.handledBy(async (payload) => {
    const row = await store.read((tx) => findIncidentRow(tx, payload.incidentId));
    // Reopened (and perhaps resolved again, which offers its own archive): leave the channel.
    if (!row?.channelId || row.state !== 'resolved') return;
    if (row.resolvedAt?.getTime() !== payload.resolvedAt) return;
    await chat.archiveChannel(row.channelId);
    const at = now();
    await store.tx((tx) =>
      record(
        tx,
        {
          incidentId: row.id,
          kind: 'channel_archived',
          at,
          actor: 'firebreak',
          source: 'firebreak',
          payload: { channelId: row.channelId },
          dedupeKey: `archived:${payload.resolvedAt}`,
        },
        at,
      ),
    );
  });
}

async function scheduledAt(tx: Tx, incidentId: number): Promise<Date | null> {
  const scheduled = await latestEventOfKind(tx, streamOf(incidentId), 'channel_archive_scheduled');
  const at = scheduled?.payload.archiveAt;
  return typeof at === 'string' ? new Date(at) : null;
}

export type Archiving = ReturnType<typeof createArchiving>;
