import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Freeze } from '../domain/freeze.js';
import { alertFreezes, freezes } from './schema.js';
import type { Tx } from './sqlite.js';

export type AlertFreezeLink = typeof alertFreezes.$inferSelect;

/** The freeze an alert holds now (not lifted, not expired), with its link; null when none. */
export async function activeAlertFreeze(
  tx: Tx,
  alertRef: string,
  at: Date,
): Promise<{ freeze: Freeze; link: AlertFreezeLink } | null> {
  const row = tx
    .select({ freeze: freezes, link: alertFreezes })
    .from(alertFreezes)
    .innerJoin(freezes, eq(freezes.id, alertFreezes.freezeId))
    .where(
      and(eq(alertFreezes.alertRef, alertRef), isNull(freezes.liftedAt), gt(freezes.expiresAt, at)),
    )
    .orderBy(desc(freezes.id))
    .get();
  return row ?? null;
}

export async function insertAlertFreeze(tx: Tx, link: AlertFreezeLink): Promise<void> {
  tx.insert(alertFreezes).values(link).run();
}

/** Marks the alert resolved (a date) or firing again (null). */
export async function setAlertFreezeResolved(
  tx: Tx,
  freezeId: number,
  resolvedAt: Date | null,
): Promise<void> {
  tx.update(alertFreezes).set({ resolvedAt }).where(eq(alertFreezes.freezeId, freezeId)).run();
}

/** Moves a freeze's expiry (an alert freeze: held while firing, shortened to its hysteresis). */
export async function setFreezeExpiry(tx: Tx, freezeId: number, expiresAt: Date): Promise<void> {
  tx.update(freezes).set({ expiresAt }).where(eq(freezes.id, freezeId)).run();
}

export async function allAlertFreezes(tx: Tx): Promise<AlertFreezeLink[]> {
  return tx.select().from(alertFreezes).all();
}
