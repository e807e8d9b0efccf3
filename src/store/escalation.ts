import { and, eq, isNull, lte, ne } from 'drizzle-orm';
import { incidents } from './schema.js';
import type { Tx } from './sqlite.js';

// The escalation clock lives on the incident row (escalation_due_at), so a restart loses no
// tier. src/incidents/escalation.ts decides what to call out and when next.

/** Open, unacknowledged incidents whose next escalation tier is due at `at`. */
export async function escalationsDue(tx: Tx, at: Date): Promise<number[]> {
  const rows = tx
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(
        ne(incidents.state, 'resolved'),
        isNull(incidents.acknowledgedAt),
        lte(incidents.escalationDueAt, at),
      ),
    )
    .orderBy(incidents.id)
    .all();
  return rows.map((r) => r.id);
}

/** When the next tier is due; null: none (no tiers left, acknowledged, PagerDuty's). */
export async function setEscalationDueAt(
  tx: Tx,
  incidentId: number,
  dueAt: Date | null,
): Promise<void> {
  tx.update(incidents).set({ escalationDueAt: dueAt }).where(eq(incidents.id, incidentId)).run();
}
