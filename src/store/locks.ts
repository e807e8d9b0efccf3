import { and, eq, or, sql } from 'drizzle-orm';
import { locks } from './schema.js';
import type { Tx } from './sqlite.js';
import type { Store } from './unit-of-work.js';

/**
 * Takes the named lock for `ttlMs`, or extends it if `holder` has it already; false when
 * someone else holds it and it has not expired. The holder is an instance name that stays the
 * same across restarts, so a killed process gets its lock back at once instead of after the ttl.
 *
 * One upsert whose update only applies when the lock is free (expired) or already ours. On
 * PostgreSQL the same statement works as a lease row; pg_try_advisory_xact_lock is the other
 * way, for ticks that run inside one transaction.
 */
export async function tryLock(
  tx: Tx,
  name: string,
  holder: string,
  ttlMs: number,
  now = new Date(),
): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const taken = tx
    .insert(locks)
    .values({ name, holder, expiresAt })
    .onConflictDoUpdate({
      target: locks.name,
      set: { holder, expiresAt },
      setWhere: or(sql`${locks.expiresAt} <= ${now.getTime()}`, eq(locks.holder, holder)),
    })
    .returning({ holder: locks.holder })
    .all();
  return taken.length === 1;
}

/** Lets go of a lock held by `holder` (a no-op if it expired and someone else took it). */
export async function unlock(tx: Tx, name: string, holder: string): Promise<void> {
  tx.delete(locks)
    .where(and(eq(locks.name, name), eq(locks.holder, holder)))
    .run();
}

/**
 * The locks the sweeps take, held by `holder` (this instance) for at most `ttlMs`: longer than
 * any tick, so a holder that dies blocks the others this long at most (the same instance,
 * restarted, takes its own lock back at once).
 */
export function sweepLocks(store: Store, holder: string, ttlMs: number) {
  return {
    tryLock: (name: string) => store.tx((tx) => tryLock(tx, name, holder, ttlMs)),
    unlock: (name: string) => store.tx((tx) => unlock(tx, name, holder)),
  };
}
