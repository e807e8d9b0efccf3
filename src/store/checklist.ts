import { and, asc, eq, sql } from 'drizzle-orm';
import { type ChecklistStepRow, checklistSteps } from './schema.js';
import type { Tx } from './sqlite.js';

export type { ChecklistStepRow };

/** The incident's checklist in card order. */
export async function checklistOf(tx: Tx, incidentId: number): Promise<ChecklistStepRow[]> {
  return tx
    .select()
    .from(checklistSteps)
    .where(eq(checklistSteps.incidentId, incidentId))
    .orderBy(asc(checklistSteps.position))
    .all();
}

/** Adds the steps the incident does not have yet, after the ones it has; returns how many. */
export async function addChecklistSteps(
  tx: Tx,
  incidentId: number,
  steps: readonly string[],
): Promise<number> {
  const have = await checklistOf(tx, incidentId);
  const known = new Set(have.map((s) => s.text));
  let position = have.length;
  let added = 0;
  for (const text of steps) {
    if (known.has(text)) continue;
    known.add(text);
    tx.insert(checklistSteps)
      .values({ incidentId, position: position++, text })
      .onConflictDoNothing()
      .run();
    added++;
  }
  return added;
}

/**
 * Ticks or unticks one step, only if it is not so already: true when it changed. The guard is
 * in the UPDATE itself, so two clicks delivered at once change (and record) it once.
 */
export async function setChecklistStep(
  tx: Tx,
  incidentId: number,
  text: string,
  checked: boolean,
  by: string,
  at: Date,
): Promise<boolean> {
  const result = tx
    .update(checklistSteps)
    .set({ checked, changedBy: by, changedAt: at })
    .where(
      and(
        eq(checklistSteps.incidentId, incidentId),
        eq(checklistSteps.text, text),
        sql`${checklistSteps.checked} <> ${checked ? 1 : 0}`,
      ),
    )
    .run();
  return result.changes > 0;
}
