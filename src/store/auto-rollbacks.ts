import { and, asc, desc, eq, gte, inArray, isNotNull, lte, ne, sql } from 'drizzle-orm';
import type {
  AutoRollback,
  AutoRollbackDecision,
  AutoRollbackStatus,
} from '../domain/auto-rollback.js';
import { autoRollbacks } from './schema.js';
import type { Tx } from './sqlite.js';

// deploys.autoRollback's decisions. Rows are AutoRollback values as they are.

export type NewAutoRollback = Omit<
  AutoRollback,
  'id' | 'settledAt' | 'settledBy' | 'rollbackId' | 'error'
>;

export async function insertAutoRollback(tx: Tx, values: NewAutoRollback): Promise<AutoRollback> {
  return tx.insert(autoRollbacks).values(values).returning().get();
}

export async function findAutoRollback(tx: Tx, id: number): Promise<AutoRollback | undefined> {
  return tx.select().from(autoRollbacks).where(eq(autoRollbacks.id, id)).get();
}

/** The acting (or would-be acting, in shadow) decision of an incident; the database keeps one. */
export async function actingAutoRollbackOf(
  tx: Tx,
  incidentId: number,
): Promise<AutoRollback | undefined> {
  return tx
    .select()
    .from(autoRollbacks)
    .where(
      and(
        eq(autoRollbacks.incidentId, incidentId),
        inArray(autoRollbacks.decision, ['shadow', 'scheduled']),
      ),
    )
    .get();
}

/**
 * The newest decision of this kind for a service+environment since `since` that still counts
 * for the cooldown: a cancelled, superseded or aborted countdown never rolled anything back.
 */
export async function latestAutoRollbackOf(
  tx: Tx,
  q: {
    service: string;
    environment: string;
    decision: AutoRollbackDecision;
    since: Date;
    /** The incident asking: its own decision is the "already for this incident" condition. */
    notIncident: number;
  },
): Promise<AutoRollback | undefined> {
  return tx
    .select()
    .from(autoRollbacks)
    .where(
      and(
        eq(autoRollbacks.service, q.service),
        eq(autoRollbacks.environment, q.environment),
        gte(autoRollbacks.decidedAt, q.since),
        ne(autoRollbacks.incidentId, q.notIncident),
        eq(autoRollbacks.decision, q.decision),
        inArray(autoRollbacks.status, ['none', 'pending', 'executed']),
      ),
    )
    .orderBy(desc(autoRollbacks.decidedAt))
    .get();
}

/** Countdowns whose veto is over, oldest first. */
export async function dueAutoRollbacks(tx: Tx, at: Date, limit: number): Promise<AutoRollback[]> {
  return tx
    .select()
    .from(autoRollbacks)
    .where(
      and(
        eq(autoRollbacks.status, 'pending'),
        isNotNull(autoRollbacks.deadlineAt),
        lte(autoRollbacks.deadlineAt, at),
      ),
    )
    .orderBy(asc(autoRollbacks.deadlineAt), asc(autoRollbacks.id))
    .limit(limit)
    .all();
}

/**
 * Moves a pending countdown to its end state. Only from `pending`: false when something else
 * (the deadline, a Cancel) settled it first, so exactly one of them has an effect.
 */
export async function settleAutoRollback(
  tx: Tx,
  id: number,
  values: {
    status: Exclude<AutoRollbackStatus, 'none' | 'pending'>;
    settledAt: Date;
    settledBy: string;
    rollbackId?: number | null;
    error?: string | null;
  },
): Promise<boolean> {
  const result = tx
    .update(autoRollbacks)
    .set(values)
    .where(and(eq(autoRollbacks.id, id), eq(autoRollbacks.status, 'pending')))
    .run();
  return result.changes === 1;
}

/** Decisions by outcome for /metrics: the guard's (refused, shadow, scheduled) and each end state. */
export async function autoRollbackCounts(
  tx: Tx,
): Promise<{ decisions: Record<string, number>; settled: Record<string, number> }> {
  const decisions = tx
    .select({ key: autoRollbacks.decision, n: sql<number>`count(*)` })
    .from(autoRollbacks)
    .groupBy(autoRollbacks.decision)
    .all();
  const settled = tx
    .select({ key: autoRollbacks.status, n: sql<number>`count(*)` })
    .from(autoRollbacks)
    .where(inArray(autoRollbacks.status, ['executed', 'cancelled', 'superseded', 'aborted']))
    .groupBy(autoRollbacks.status)
    .all();
  const toRecord = (rows: { key: string; n: number }[]) =>
    Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
  return { decisions: toRecord(decisions), settled: toRecord(settled) };
}

/** Every decision, oldest first (tests, `firebreak verify`-style inspection). */
export async function allAutoRollbacks(tx: Tx): Promise<AutoRollback[]> {
  return tx.select().from(autoRollbacks).orderBy(asc(autoRollbacks.id)).all();
}

/** The incident's countdown still in its veto, if any (for the card). */
export async function pendingAutoRollbackOf(
  tx: Tx,
  incidentId: number,
): Promise<AutoRollback | undefined> {
  return tx
    .select()
    .from(autoRollbacks)
    .where(and(eq(autoRollbacks.incidentId, incidentId), eq(autoRollbacks.status, 'pending')))
    .get();
}
