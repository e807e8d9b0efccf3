import { asc, count, eq, min, sql } from 'drizzle-orm';
import { type AlertRow, alerts } from './schema.js';
import type { Tx } from './sqlite.js';

/** A stored alert, as the intake last saw it. */
export type { AlertRow };

/** The alerts of one group held by an incident. */
export interface AlertGroup {
  groupKey: string;
  services: string[];
  alerts: number;
}

/**
 * The alert groups an incident holds, oldest first: the first `limit`, and how many in all.
 * Alerts without a group count as one group with the empty key.
 */
export async function alertGroupsOf(
  tx: Tx,
  incidentId: number,
  limit: number,
): Promise<{ groups: AlertGroup[]; total: number }> {
  const rows = tx
    .select({
      groupKey: sql<string>`coalesce(${alerts.groupKey}, '')`,
      services: sql<string | null>`group_concat(distinct ${alerts.service})`,
      alerts: count(),
      first: min(alerts.id),
    })
    .from(alerts)
    .where(eq(alerts.incidentId, incidentId))
    .groupBy(sql`coalesce(${alerts.groupKey}, '')`)
    .orderBy(sql`4`)
    .limit(limit)
    .all();
  const total =
    tx
      .select({ n: sql<number>`count(distinct coalesce(${alerts.groupKey}, ''))` })
      .from(alerts)
      .where(eq(alerts.incidentId, incidentId))
      .get()?.n ?? 0;
  return {
    groups: rows.map((r) => ({
      groupKey: r.groupKey,
      services: r.services ? r.services.split(',') : [],
      alerts: r.alerts,
    })),
    total,
  };
}

/** Every stored alert in the order it arrived, or only those of one incident. */
export async function listAlerts(tx: Tx, incidentId?: number): Promise<AlertRow[]> {
  return tx
    .select()
    .from(alerts)
    .where(incidentId === undefined ? undefined : eq(alerts.incidentId, incidentId))
    .orderBy(asc(alerts.id))
    .all();
}
