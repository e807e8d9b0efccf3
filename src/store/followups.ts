import { asc, eq } from 'drizzle-orm';
import { type FOLLOWUP_STATES, type FollowupRow, followups } from './schema.js';
import type { DbOrTx } from './sqlite.js';

/** Work to do after an incident, as stored. */
export type Followup = FollowupRow;
export type FollowupState = (typeof FOLLOWUP_STATES)[number];

export function findFollowup(db: DbOrTx, id: number): Followup | undefined {
  return db.select().from(followups).where(eq(followups.id, id)).get();
}

export function insertFollowup(
  db: DbOrTx,
  values: Pick<
    Followup,
    'incidentId' | 'text' | 'ownerId' | 'createdBy' | 'createdAt' | 'updatedAt'
  >,
): Followup {
  return db.insert(followups).values(values).returning().get();
}

export function setFollowupState(db: DbOrTx, id: number, state: FollowupState, at: Date): Followup {
  return db
    .update(followups)
    .set({ state, updatedAt: at })
    .where(eq(followups.id, id))
    .returning()
    .get();
}

/** An incident's follow-ups, oldest first. */
export function followupsOf(db: DbOrTx, incidentId: number): Followup[] {
  return db
    .select()
    .from(followups)
    .where(eq(followups.incidentId, incidentId))
    .orderBy(asc(followups.id))
    .all();
}
