import { and, asc, count, eq, inArray, isNull, lt, lte, min, ne, or, sql } from 'drizzle-orm';
import { type OutboxRow, outbox } from './schema.js';
import { prepared, type Tx } from './sqlite.js';

/** An outbox item as stored: what it is, where it stands, who holds it. */
export type { OutboxRow };

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
export async function enqueue(tx: Tx, item: OutboxItem, now: Date): Promise<void> {
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

const queries = (tx: Tx) =>
  prepared(tx, 'outbox', (d) => {
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

/** An item handed to one worker, with the fence its outcome must carry. */
export type ClaimedItem = OutboxRow & { fence: number };

export interface ClaimOptions {
  /** Who claims (kept on the row; a restarted instance releases what it held before). */
  workerId: string;
  /** The application clock: what is due. */
  now: Date;
  /** The wall clock: leases are between processes and do not follow a test's clock. */
  leaseNow: Date;
  leaseMs: number;
  limit: number;
}

const claimQuery = (tx: Tx) =>
  prepared(tx, 'outbox.claim', (d) => {
    // The head of each lane: its oldest pending item (the partial index outbox_pending_lane
    // holds only pending rows, so done rows never slow this down).
    const heads = d
      .select({ id: min(outbox.id).as('head_id') })
      .from(outbox)
      .where(eq(outbox.status, 'pending'))
      .groupBy(outbox.lane)
      .as('heads');
    // A head that is due and not under someone's live lease. Only heads are ever claimed, so
    // a lane with a live lease anywhere has it on its head and is skipped here.
    const claimable = d
      .select({ id: outbox.id })
      .from(outbox)
      .innerJoin(heads, eq(heads.id, outbox.id))
      .where(
        and(
          lte(outbox.nextAttemptAt, sql.placeholder('now')),
          or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, sql.placeholder('leaseNow'))),
        ),
      )
      .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
      .limit(sql.placeholder('limit'));
    return d
      .update(outbox)
      .set({
        claimedBy: sql`${sql.placeholder('workerId')}`,
        leaseUntil: sql`${sql.placeholder('leaseUntil')}`,
        fence: sql`${outbox.fence} + 1`,
      })
      .where(inArray(outbox.id, claimable))
      .returning()
      .prepare();
  });

/**
 * Claims up to `limit` lane heads that are due, for one worker, until `leaseNow + leaseMs`.
 * A later item of a lane waits for the earlier one, even when the earlier one is backing off.
 *
 * One UPDATE … WHERE id IN (SELECT …) RETURNING: SQLite takes the write lock before the
 * statement reads, so two workers (two connections on one file) can never claim the same head.
 * On PostgreSQL the same shape is the candidate SELECT with FOR UPDATE SKIP LOCKED inside the
 * UPDATE; the lease and the fence carry over unchanged.
 */
export async function claim(tx: Tx, options: ClaimOptions): Promise<ClaimedItem[]> {
  const rows = claimQuery(tx).all({
    workerId: options.workerId,
    leaseUntil: options.leaseNow.getTime() + options.leaseMs,
    now: options.now.getTime(),
    leaseNow: options.leaseNow.getTime(),
    limit: options.limit,
  });
  // RETURNING has no order: oldest due first, as the SELECT chose them.
  return rows.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id);
}

/** Extends a claim while its delivery runs; false if the claim was lost (taken over, settled). */
export async function renewLease(tx: Tx, id: number, fence: number, until: Date): Promise<boolean> {
  return (
    tx
      .update(outbox)
      .set({ leaseUntil: until })
      .where(and(eq(outbox.id, id), eq(outbox.fence, fence), eq(outbox.status, 'pending')))
      .run().changes > 0
  );
}

/**
 * Lets go of claims without an outcome, so any worker may run the items now: the claims a
 * worker still held when it stopped, or those a previous run of the same instance left behind
 * when it was killed. Items in `keep` (still running here) stay claimed.
 */
export async function releaseClaims(
  tx: Tx,
  workerId: string,
  keep: ReadonlySet<number> = new Set(),
) {
  const held = tx
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.claimedBy, workerId), eq(outbox.status, 'pending')))
    .all()
    .map((r) => r.id)
    .filter((id) => !keep.has(id));
  if (held.length === 0) return 0;
  return tx
    .update(outbox)
    .set({ claimedBy: null, leaseUntil: null })
    .where(and(inArray(outbox.id, held), eq(outbox.claimedBy, workerId)))
    .run().changes;
}

const settled = (id: number, fence: number) =>
  and(eq(outbox.id, id), eq(outbox.fence, fence), eq(outbox.status, 'pending'));

/**
 * Marks an item done; false (and nothing changes) if the claim with this fence is no longer the
 * current one. If a rerun was asked for while it ran, a fresh copy goes to the back of its
 * lane, due after `rerunDelayMs`: a storm then refreshes an incident card at most once per
 * delay, and messages enqueued meanwhile are not held up behind it.
 */
export async function complete(
  tx: Tx,
  id: number,
  fence: number,
  now: Date,
  rerunDelayMs = 0,
): Promise<boolean> {
  // The caller's unit of work makes the read and the two writes one step.
  const row = tx.select().from(outbox).where(settled(id, fence)).get();
  if (!row) return false;
  tx.update(outbox)
    .set({ status: 'done', rerun: false, lastError: null, leaseUntil: null, updatedAt: now })
    .where(eq(outbox.id, id))
    .run();
  if (row.rerun)
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
  return true;
}

/** Puts an item back to wait for its next attempt and lets go of the claim; false if stale. */
export async function reschedule(
  tx: Tx,
  id: number,
  fence: number,
  options: { now: Date; delayMs: number; error: string; countAttempt: boolean },
): Promise<boolean> {
  return (
    tx
      .update(outbox)
      .set({
        attempts: options.countAttempt ? sql`${outbox.attempts} + 1` : outbox.attempts,
        nextAttemptAt: new Date(options.now.getTime() + options.delayMs),
        lastError: options.error.slice(0, 2000),
        claimedBy: null,
        leaseUntil: null,
        updatedAt: options.now,
      })
      .where(settled(id, fence))
      .run().changes > 0
  );
}

/** Parks an item as failed; false if the claim with this fence is no longer the current one. */
export async function giveUp(
  tx: Tx,
  id: number,
  fence: number,
  now: Date,
  error: string,
): Promise<boolean> {
  return (
    tx
      .update(outbox)
      .set({ status: 'failed', lastError: error.slice(0, 2000), leaseUntil: null, updatedAt: now })
      .where(settled(id, fence))
      .run().changes > 0
  );
}

export interface OutboxStats {
  pending: number;
  failed: number;
  oldestPendingAgeMs: number;
}

export async function outboxStats(tx: Tx, now: Date): Promise<OutboxStats> {
  const rows = tx
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
export async function pendingInLane(tx: Tx, lane: string): Promise<OutboxRow[]> {
  return tx
    .select()
    .from(outbox)
    .where(and(eq(outbox.lane, lane), eq(outbox.status, 'pending')))
    .orderBy(asc(outbox.id))
    .all();
}

/** Every item, oldest first, whatever its state (for tests and the doctor). */
export async function outboxItems(tx: Tx): Promise<OutboxRow[]> {
  return tx.select().from(outbox).orderBy(asc(outbox.id)).all();
}

export async function findOutboxItem(tx: Tx, id: number): Promise<OutboxRow | undefined> {
  return tx.select().from(outbox).where(eq(outbox.id, id)).get();
}

/**
 * Deletes items settled (done or failed) before `olderThan`. Pending items are work still to
 * do (an archive may be scheduled days ahead), however old.
 */
export async function pruneSettled(tx: Tx, olderThan: Date): Promise<number> {
  return tx
    .delete(outbox)
    .where(and(lt(outbox.updatedAt, olderThan), ne(outbox.status, 'pending')))
    .run().changes;
}

/** Every item of a lane, delivered or not, oldest first (for tests: what was committed). */
export async function laneItems(tx: Tx, lane: string): Promise<OutboxRow[]> {
  return tx.select().from(outbox).where(eq(outbox.lane, lane)).orderBy(asc(outbox.id)).all();
}
