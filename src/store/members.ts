import { and, eq, inArray } from 'drizzle-orm';
import { incidentMembers } from './schema.js';
import type { Tx } from './sqlite.js';

// Who is in an incident's channel, as far as firebreak knows (see incidentMembers in schema.ts).

/** Adds people; those already there stay as they were. */
export async function addMembers(
  tx: Tx,
  incidentId: number,
  userIds: readonly string[],
  at: Date,
): Promise<void> {
  const rows = [...new Set(userIds)].map((userId) => ({ incidentId, userId, addedAt: at }));
  // In slices: a big channel's members would pass SQLite's limit of bound variables.
  for (let i = 0; i < rows.length; i += 500)
    tx.insert(incidentMembers)
      .values(rows.slice(i, i + 500))
      .onConflictDoNothing()
      .run();
}

export async function removeMember(tx: Tx, incidentId: number, userId: string): Promise<void> {
  tx.delete(incidentMembers)
    .where(and(eq(incidentMembers.incidentId, incidentId), eq(incidentMembers.userId, userId)))
    .run();
}

/** Of `incidentIds`, the ones `userId` is a member of. */
export async function memberOf(
  tx: Tx,
  userId: string,
  incidentIds: readonly number[],
): Promise<Set<number>> {
  if (incidentIds.length === 0) return new Set();
  const rows = tx
    .select({ id: incidentMembers.incidentId })
    .from(incidentMembers)
    .where(
      and(
        eq(incidentMembers.userId, userId),
        inArray(incidentMembers.incidentId, [...incidentIds]),
      ),
    )
    .all();
  return new Set(rows.map((r) => r.id));
}

export async function membersOf(tx: Tx, incidentId: number): Promise<string[]> {
  return tx
    .select({ userId: incidentMembers.userId })
    .from(incidentMembers)
    .where(eq(incidentMembers.incidentId, incidentId))
    .all()
    .map((r) => r.userId);
}

/** Makes the members exactly `userIds` (what Slack says is in the channel now). */
export async function setMembers(
  tx: Tx,
  incidentId: number,
  userIds: readonly string[],
  at: Date,
): Promise<void> {
  const now = new Set(userIds);
  for (const userId of await membersOf(tx, incidentId))
    if (!now.has(userId)) await removeMember(tx, incidentId, userId);
  await addMembers(tx, incidentId, [...now], at);
}
