import { and, asc, eq } from 'drizzle-orm';
import {
  type FOLLOWUP_EXPORT_STATES,
  type FOLLOWUP_STATES,
  type FollowupRow,
  followups,
} from './schema.js';
import type { Tx } from './sqlite.js';

/** Work to do after an incident, as stored. */
export type Followup = FollowupRow;
export type FollowupState = (typeof FOLLOWUP_STATES)[number];
export type FollowupExportState = (typeof FOLLOWUP_EXPORT_STATES)[number];

export async function findFollowup(tx: Tx, id: number): Promise<Followup | undefined> {
  return tx.select().from(followups).where(eq(followups.id, id)).get();
}

export async function insertFollowup(
  tx: Tx,
  values: Pick<
    Followup,
    'incidentId' | 'text' | 'ownerId' | 'createdBy' | 'createdAt' | 'updatedAt'
  >,
): Promise<Followup> {
  return tx.insert(followups).values(values).returning().get();
}

export async function setFollowupState(
  tx: Tx,
  id: number,
  state: FollowupState,
  at: Date,
): Promise<Followup> {
  return tx
    .update(followups)
    .set({ state, updatedAt: at })
    .where(eq(followups.id, id))
    .returning()
    .get();
}

/** An incident's follow-ups, oldest first. */
export async function followupsOf(tx: Tx, incidentId: number): Promise<Followup[]> {
  return tx
    .select()
    .from(followups)
    .where(eq(followups.incidentId, incidentId))
    .orderBy(asc(followups.id))
    .all();
}

/** Where the follow-up's issue in the tracker stands; fields left out are kept. */
export async function setFollowupExport(
  tx: Tx,
  id: number,
  values: Partial<
    Pick<Followup, 'trackerKind' | 'trackerKey' | 'trackerUrl' | 'exportState' | 'exportError'>
  >,
  at: Date,
): Promise<Followup> {
  return tx
    .update(followups)
    .set({ ...values, updatedAt: at })
    .where(eq(followups.id, id))
    .returning()
    .get();
}

/** The follow-up exported as this issue ("owner/repo#12", "OPS-7"), if any. */
export async function findFollowupByIssue(
  tx: Tx,
  kind: NonNullable<Followup['trackerKind']>,
  key: string,
): Promise<Followup | undefined> {
  return tx
    .select()
    .from(followups)
    .where(and(eq(followups.trackerKind, kind), eq(followups.trackerKey, key)))
    .get();
}
