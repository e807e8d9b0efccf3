import type { Incident } from '../domain/incident.js';
import { getIncident, updateIncident } from '../store/incidents.js';
import type { Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueueMessage } from './effects.js';
import type { Actor, IncidentEvent } from './events.js';

export interface ResolveStep {
  incident: Incident;
  summary: string;
  actor: Actor;
  at: Date;
  /** When it really happened, if it happened elsewhere first (PagerDuty resolved it). */
  when?: Date;
  emit: (tx: Tx, event: IncidentEvent) => Promise<void>;
  /** Offer to archive the channel this long after resolving (config); undefined: no offer. */
  archiveAfterMs?: number;
  /** Resolved by the bot (every alert resolved): nobody acknowledged it, so that milestone stays empty. */
  automatic?: boolean;
}

/**
 * What resolving means, whoever does it (a person in Slack, the alerts resolving by themselves,
 * PagerDuty): the milestones, no more reminders, the timeline entry, the listeners, and the
 * message in the channel. Runs inside the caller's transaction; the caller publishes the card.
 */
export async function resolveInTx(tx: Tx, step: ResolveStep): Promise<Incident> {
  const { incident, actor, at } = step;
  const summary = step.summary.trim();
  const resolvedAt = step.when ?? at;
  await updateIncident(tx, incident.id, {
    state: 'resolved',
    resolvedAt,
    mitigatedAt: incident.mitigatedAt ?? resolvedAt,
    acknowledgedAt: step.automatic
      ? incident.acknowledgedAt
      : (incident.acknowledgedAt ?? resolvedAt),
    resolution: summary || null,
    nextUpdateDueAt: null,
    ownerReminderAt: null,
    updatedAt: at,
  });
  await record(
    tx,
    {
      incidentId: incident.id,
      kind: 'resolved',
      at: resolvedAt,
      actor: actor.id,
      source: actor.source,
      payload: { from: incident.state, summary, ...(step.automatic ? { automatic: true } : {}) },
    },
    at,
  );
  const updated = await getIncident(tx, incident.id);
  // The "resolved" message first; what listeners ask next (cause, lifting freezes) follows it.
  await enqueueMessage(
    tx,
    incident.id,
    { kind: 'channel' },
    {
      type: 'resolved',
      by: actor.id,
      summary,
      ...(step.archiveAfterMs ? { archiveAfterMs: step.archiveAfterMs } : {}),
    },
    at,
  );
  await step.emit(tx, { type: 'resolved', incident: updated, actor, at, summary });
  return updated;
}
