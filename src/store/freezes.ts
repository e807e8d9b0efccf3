import { and, asc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Freeze } from '../domain/freeze.js';
import { freezes } from './schema.js';
import { prepared, type Tx } from './sqlite.js';

// Freeze rows are Freeze values as they are; the return types are the codec's contract.

export type NewFreeze = Omit<Freeze, 'id' | 'liftedAt' | 'liftedBy'>;

export async function findFreeze(tx: Tx, id: number): Promise<Freeze | undefined> {
  return tx.select().from(freezes).where(eq(freezes.id, id)).get();
}

export async function insertFreeze(tx: Tx, values: NewFreeze): Promise<Freeze> {
  return tx.insert(freezes).values(values).returning().get();
}

/** Ends a freeze: lifted by someone, or by 'expired' at its expiry. */
export async function endFreeze(
  tx: Tx,
  id: number,
  ended: { liftedAt: Date; liftedBy: string },
): Promise<void> {
  tx.update(freezes).set(ended).where(eq(freezes.id, id)).run();
}

/**
 * Freezes not lifted and not expired at `at`, including any created after `at`: what the
 * deploy gate keeps in memory and filters by time. Prepared: CI asks the gate often.
 */
export async function unexpiredFreezes(tx: Tx, at: Date): Promise<Freeze[]> {
  return prepared(tx, 'freezes.unexpired', (d) =>
    d
      .select()
      .from(freezes)
      .where(and(isNull(freezes.liftedAt), gt(freezes.expiresAt, sql.placeholder('at'))))
      .prepare(),
  ).all({ at: at.getTime() });
}

/** Freezes in force at `at`, soonest to expire first. */
export async function activeFreezes(tx: Tx, at: Date): Promise<Freeze[]> {
  return prepared(tx, 'freezes.active', (d) =>
    d
      .select()
      .from(freezes)
      .where(
        and(
          isNull(freezes.liftedAt),
          gt(freezes.expiresAt, sql.placeholder('at')),
          lte(freezes.createdAt, sql.placeholder('at')),
        ),
      )
      .orderBy(asc(freezes.expiresAt), asc(freezes.id))
      .prepare(),
  ).all({ at: at.getTime() });
}

/** Freezes not lifted whose expiry has come: the sweeper lifts them. */
export async function dueFreezes(tx: Tx, at: Date): Promise<Freeze[]> {
  return tx
    .select()
    .from(freezes)
    .where(and(isNull(freezes.liftedAt), lte(freezes.expiresAt, at)))
    .all();
}

/** Every freeze in the order they were made (tests, exports). */
export async function allFreezes(tx: Tx): Promise<Freeze[]> {
  return tx.select().from(freezes).orderBy(asc(freezes.id)).all();
}
