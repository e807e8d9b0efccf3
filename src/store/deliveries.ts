import { eq, lt } from 'drizzle-orm';
import { deliveries } from './schema.js';
import type { Tx } from './sqlite.js';

/**
 * Claims a delivery id (Slack event_id, PagerDuty X-Webhook-Id, GitHub X-GitHub-Delivery).
 * True the first time; false for a retry or replay, which must then change nothing. Claim
 * inside the transaction that stores what the delivery carried, so a crash loses neither.
 */
export async function claimDelivery(
  tx: Tx,
  source: string,
  deliveryId: string,
  now: Date,
): Promise<boolean> {
  const result = tx
    .insert(deliveries)
    .values({ source, deliveryId, receivedAt: now })
    .onConflictDoNothing()
    .run();
  return result.changes > 0;
}

/** Senders stop retrying after hours at most; a week of ids is plenty to catch replays. */
export async function pruneDeliveries(tx: Tx, olderThan: Date): Promise<number> {
  return tx.delete(deliveries).where(lt(deliveries.receivedAt, olderThan)).run().changes;
}

export type Delivery = typeof deliveries.$inferSelect;

/** The delivery ids remembered, of one source or of all (for tests and the doctor). */
export async function listDeliveries(tx: Tx, source?: string): Promise<Delivery[]> {
  return tx
    .select()
    .from(deliveries)
    .where(source === undefined ? undefined : eq(deliveries.source, source))
    .all();
}
