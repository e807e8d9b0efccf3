import { and, asc, count, eq, inArray, lte, min, sql } from 'drizzle-orm';
import { type Db, type DbOrTx, prepared } from '../db/client.js';
import { type OutboxRow, outbox } from '../db/schema.js';

export interface OutboxItem {
  kind: string;
  /** Items of one lane are delivered one at a time, in the order they were enqueued. */
  lane: string;
  payload: Record<string, unknown>;
  /**
   * While an item with this key is still pending, enqueuing it again does not add a row; it
   * asks the pending one to run once more after its current run. Used for "make Slack show
   * the incident as it is now", which a storm would otherwise ask for thousands of times.
   */
  coalesceKey?: string;
  /**
   * For coalesced items: someone is waiting to see this (a click, a command), so a pending item
   * that is holding back (a storm's debounced refresh) runs now instead.
   */
  urgent?: boolean;
  delayMs?: number;
}

/** Call inside the transaction that commits the state the effect is about. */
export function enqueue(tx: DbOrTx, item: OutboxItem, now: Date): void {
  const row = {
    kind: item.kind,
    lane: item.lane,
    payload: item.payload,
    coalesceKey: item.coalesceKey ?? null,
    nextAttemptAt: new Date(now.getTime() + (item.delayMs ?? 0)),
    createdAt: now,
    updatedAt: now,
  };
  const q = queries(tx);
  if (!item.coalesceKey) q.insert.run(row);
  else if (item.urgent) q.upsertUrgent.run(row);
  else q.upsert.run(row);
}

const queries = (db: DbOrTx) =>
  prepared(db, 'outbox', (d) => {
    const values = {
      kind: sql.placeholder('kind'),
      lane: sql.placeholder('lane'),
      payload: sql.placeholder('payload'),
      coalesceKey: sql.placeholder('coalesceKey'),
      nextAttemptAt: sql.placeholder('nextAttemptAt'),
      createdAt: sql.placeholder('createdAt'),
      updatedAt: sql.placeholder('updatedAt'),
    };
    return {
      insert: d.insert(outbox).values(values).prepare(),
      upsert: d
        .insert(outbox)
        .values(values)
        .onConflictDoUpdate({
          target: outbox.coalesceKey,
          targetWhere: sql`${outbox.status} = 'pending' AND ${outbox.coalesceKey} IS NOT NULL`,
          set: { rerun: true, updatedAt: sql`excluded.updated_at` },
        })
        .prepare(),
      upsertUrgent: d
        .insert(outbox)
        .values(values)
        .onConflictDoUpdate({
          target: outbox.coalesceKey,
          targetWhere: sql`${outbox.status} = 'pending' AND ${outbox.coalesceKey} IS NOT NULL`,
          set: {
            rerun: true,
            updatedAt: sql`excluded.updated_at`,
            nextAttemptAt: sql`min(${outbox.nextAttemptAt}, excluded.next_attempt_at)`,
          },
        })
        .prepare(),
    };
  });

/**
 * Items ready to run: due, and first in their lane (a later item of a lane waits for the
 * earlier one, even when the earlier one is backing off).
 */
export function dueItems(
  db: Db,
  now: Date,
  limit: number,
  skipLanes: ReadonlySet<string>,
): OutboxRow[] {
  const heads = db
    .select({ id: min(outbox.id).as('head_id') })
    .from(outbox)
    .where(eq(outbox.status, 'pending'))
    .groupBy(outbox.lane)
    .as('heads');
  const rows = db
    .select()
    .from(outbox)
    .innerJoin(heads, eq(heads.id, outbox.id))
    .where(lte(outbox.nextAttemptAt, now))
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(limit + skipLanes.size)
    .all()
    .map((r) => r.outbox);
  return rows.filter((r) => !skipLanes.has(r.lane)).slice(0, limit);
}

/**
 * Marks an item done. If a rerun was asked for while it ran, a fresh copy goes to the back of
 * its lane, due after `rerunDelayMs`: a storm then refreshes an incident card at most once per
 * delay, and messages enqueued meanwhile are not held up behind it.
 */
export function complete(db: Db, id: number, now: Date, rerunDelayMs = 0): void {
  db.transaction((tx) => {
    const row = tx.select().from(outbox).where(eq(outbox.id, id)).get();
    tx.update(outbox)
      .set({ status: 'done', rerun: false, lastError: null, updatedAt: now })
      .where(eq(outbox.id, id))
      .run();
    if (!row?.rerun) return;
    tx.insert(outbox)
      .values({
        kind: row.kind,
        lane: row.lane,
        payload: row.payload,
        coalesceKey: row.coalesceKey,
        nextAttemptAt: new Date(now.getTime() + rerunDelayMs),
        createdAt: now,
        updatedAt: now,
      })
      .run();
  });
}

export function reschedule(
  db: Db,
  id: number,
  options: { now: Date; delayMs: number; error: string; countAttempt: boolean },
): void {
  db.update(outbox)
    .set({
      attempts: options.countAttempt ? sql`${outbox.attempts} + 1` : outbox.attempts,
      nextAttemptAt: new Date(options.now.getTime() + options.delayMs),
      lastError: options.error.slice(0, 2000),
      updatedAt: options.now,
    })
    .where(eq(outbox.id, id))
    .run();
}

export function giveUp(db: Db, id: number, now: Date, error: string): void {
  db.update(outbox)
    .set({ status: 'failed', lastError: error.slice(0, 2000), updatedAt: now })
    .where(eq(outbox.id, id))
    .run();
}

export interface OutboxStats {
  pending: number;
  failed: number;
  oldestPendingAgeMs: number;
}

export function outboxStats(db: Db, now: Date): OutboxStats {
  const rows = db
    .select({ status: outbox.status, n: count(), oldest: min(outbox.createdAt) })
    .from(outbox)
    .where(inArray(outbox.status, ['pending', 'failed']))
    .groupBy(outbox.status)
    .all();
  const pending = rows.find((r) => r.status === 'pending');
  return {
    pending: pending?.n ?? 0,
    failed: rows.find((r) => r.status === 'failed')?.n ?? 0,
    oldestPendingAgeMs: pending?.oldest ? now.getTime() - new Date(pending.oldest).getTime() : 0,
  };
}

/** Pending items of a lane, oldest first (for tests and the doctor). */
export function pendingInLane(db: Db, lane: string): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.lane, lane), eq(outbox.status, 'pending')))
    .orderBy(asc(outbox.id))
    .all();
}
