import { and, eq, isNull, lte, ne } from 'drizzle-orm';
import { type IncidentRow, incidents } from './schema.js';
import type { Tx } from './sqlite.js';

// The reminders' due times live on the incident rows (nextUpdateDueAt, ownerReminderAt), so a
// restart loses none. src/incidents/reminders.ts decides what to post and when next.

export type { IncidentRow };

/** Open incidents whose status update is due at `at`. */
export async function statusUpdatesDue(tx: Tx, at: Date): Promise<IncidentRow[]> {
  return tx
    .select()
    .from(incidents)
    .where(and(ne(incidents.state, 'resolved'), lte(incidents.nextUpdateDueAt, at)))
    .all();
}

/** Open incidents without an owner whose "nobody has taken command" reminder is due at `at`. */
export async function ownerRemindersDue(tx: Tx, at: Date): Promise<IncidentRow[]> {
  return tx
    .select()
    .from(incidents)
    .where(
      and(
        ne(incidents.state, 'resolved'),
        isNull(incidents.ownerId),
        lte(incidents.ownerReminderAt, at),
      ),
    )
    .all();
}

/** When the next status update is due; null: never (a severity without reminders). */
export async function setNextUpdateDueAt(
  tx: Tx,
  incidentId: number,
  dueAt: Date | null,
): Promise<void> {
  tx.update(incidents).set({ nextUpdateDueAt: dueAt }).where(eq(incidents.id, incidentId)).run();
}

export async function setOwnerReminderAt(tx: Tx, incidentId: number, dueAt: Date): Promise<void> {
  tx.update(incidents).set({ ownerReminderAt: dueAt }).where(eq(incidents.id, incidentId)).run();
}

/** The incident's reminder due times as stored (before office hours put them off). */
export async function reminderDueTimes(
  tx: Tx,
  incidentId: number,
): Promise<{ nextUpdateDueAt: Date | null; ownerReminderAt: Date | null } | undefined> {
  return tx
    .select({
      nextUpdateDueAt: incidents.nextUpdateDueAt,
      ownerReminderAt: incidents.ownerReminderAt,
    })
    .from(incidents)
    .where(eq(incidents.id, incidentId))
    .get();
}
