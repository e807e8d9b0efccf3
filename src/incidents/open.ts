import type { Severity } from '../domain/incident.js';
import type { TimelineKind } from '../domain/timeline.js';
import { addServices, insertIncident, type NewIncident } from '../store/incidents.js';
import type { Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';

/** When the first reminders fall due, from the severity and whether someone owns it. */
export interface OpeningPolicy {
  reminders: Readonly<Partial<Record<Severity, number>>>;
  unownedReminderMs: number;
}

export interface Opening {
  incident: Omit<NewIncident, 'nextUpdateDueAt' | 'ownerReminderAt' | 'createdAt' | 'updatedAt'>;
  services: readonly string[];
  /** The first timeline entry: who opened it, how, and what they said. */
  opened: {
    kind: Extract<TimelineKind, 'incident_declared' | 'incident_opened'>;
    actor: string;
    source: string;
    payload: Record<string, unknown>;
  };
}

/**
 * The one way an incident comes to exist, whether a person declares it or alerts open it: the
 * row with its first reminder times, its services and its first timeline entry, in the caller's
 * transaction. Returns the new incident's id.
 */
export async function openIncident(
  tx: Tx,
  opening: Opening,
  policy: OpeningPolicy,
  at: Date,
): Promise<number> {
  const { incident } = opening;
  const every = policy.reminders[incident.severity];
  const id = await insertIncident(tx, {
    ...incident,
    nextUpdateDueAt: every ? new Date(at.getTime() + every) : null,
    ownerReminderAt: incident.ownerId ? null : new Date(at.getTime() + policy.unownedReminderMs),
    createdAt: at,
    updatedAt: at,
  });
  if (opening.services.length > 0) await addServices(tx, id, opening.services);
  await record(tx, { incidentId: id, at, ...opening.opened }, at);
  return id;
}
