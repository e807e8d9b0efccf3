import { asc, count, eq, sql } from 'drizzle-orm';
import { type InboxRow, inbox } from './schema.js';
import { prepared, type Tx } from './sqlite.js';

/** A delivery of alerts as accepted by a webhook, before (and after) it became incidents. */
export type { InboxRow };

// Every webhook and every processing batch runs these: prepared once per connection.
const statements = (tx: Tx) =>
  prepared(tx, 'inbox', (d) => ({
    insert: d
      .insert(inbox)
      .values({
        source: sql.placeholder('source'),
        alerts: sql.placeholder('alerts'),
        receivedAt: sql.placeholder('receivedAt'),
      })
      .returning({ id: inbox.id })
      .prepare(),
    pending: d
      .select()
      .from(inbox)
      .where(eq(inbox.status, 'pending'))
      .orderBy(asc(inbox.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
    // drizzle does not encode placeholders in `set`: epoch ms, and the ids as a JSON array.
    markDone: d
      .update(inbox)
      .set({ status: 'done', processedAt: sql`${sql.placeholder('at')}` })
      .where(sql`${inbox.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`)
      .prepare(),
  }));

/** Stores one delivery as pending; `alerts` is kept as JSON. */
export async function insertInboxDelivery(
  tx: Tx,
  delivery: { source: string; alerts: readonly object[]; receivedAt: Date },
): Promise<{ id: number }> {
  return statements(tx).insert.get(delivery);
}

/** The oldest pending deliveries, in the order they were accepted. */
export async function pendingInboxDeliveries(tx: Tx, limit: number): Promise<InboxRow[]> {
  return statements(tx).pending.all({ limit });
}

export async function markInboxDone(tx: Tx, ids: readonly number[], at: Date): Promise<void> {
  statements(tx).markDone.run({ ids: JSON.stringify(ids), at: at.getTime() });
}

/** A delivery that cannot be applied: kept, with the reason. */
export async function markInboxFailed(tx: Tx, id: number, at: Date, error: string): Promise<void> {
  tx.update(inbox).set({ status: 'failed', processedAt: at, error }).where(eq(inbox.id, id)).run();
}

export async function countPendingInbox(tx: Tx): Promise<number> {
  return tx.select({ n: count() }).from(inbox).where(eq(inbox.status, 'pending')).get()?.n ?? 0;
}

/** Every delivery, oldest first. */
export async function listInboxDeliveries(tx: Tx): Promise<InboxRow[]> {
  return tx.select().from(inbox).orderBy(asc(inbox.id)).all();
}
