import { and, count, eq, min, sql } from 'drizzle-orm';
import { alerts } from '../store/schema.js';
import type { DbOrTx } from '../store/sqlite.js';

/**
 * The alert storm incident. Past `incidents.maxNewPerMinute` incidents opened by alerts in the
 * last minute, a new alert group does not open an incident of its own: it is gathered into this
 * one (its alerts keep their own group key, so the card can list the groups). Alerts of a gathered
 * group keep going to it while it is open, so one group still means one incident.
 */
export const STORM_GROUP_KEY = 'firebreak:alert-storm';

export const STORM_WINDOW_MS = 60_000;

export const stormTitle = (maxNewPerMinute: number) =>
  `Alert storm: more than ${maxNewPerMinute} new alert groups a minute`;

export const stormDescription = (maxNewPerMinute: number) =>
  `More than ${maxNewPerMinute} incidents were opened by alerts within a minute, so new alert ` +
  'groups are gathered here instead of opening a channel each. Every alert is kept. New groups ' +
  'open incidents of their own again once the rate falls.';

export interface StormGroup {
  groupKey: string;
  services: string[];
  alerts: number;
}

/** The groups gathered into a storm incident, oldest first: the first `limit`, and how many in all. */
export function stormGroups(
  db: DbOrTx,
  incidentId: number,
  limit: number,
): { groups: StormGroup[]; total: number } {
  const rows = db
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
    db
      .select({ n: sql<number>`count(distinct coalesce(${alerts.groupKey}, ''))` })
      .from(alerts)
      .where(and(eq(alerts.incidentId, incidentId)))
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
