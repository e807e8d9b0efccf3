import { and, asc, count, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import {
  type AlertRow,
  alerts,
  type DeployRow,
  deploys,
  type FreezeRow,
  freezes,
  incidentDeploys,
  incidents,
  type PageRow,
  pages,
  type RollbackRow,
  rollbacks,
} from './schema.js';
import type { Tx } from './sqlite.js';

// The queries behind the incident card's view (src/read-model/incident-view.ts), which the card, the
// announcement and the API all draw from.

export type { DeployRow, FreezeRow };

/** The alert group key the incident was opened for (the storm incident has its own). */
export async function incidentGroupKey(
  tx: Tx,
  incidentId: number,
): Promise<string | null | undefined> {
  return tx
    .select({ groupKey: incidents.groupKey })
    .from(incidents)
    .where(eq(incidents.id, incidentId))
    .get()?.groupKey;
}

export async function alertCounts(
  tx: Tx,
  incidentId: number,
): Promise<{ firing: number; resolved: number }> {
  // Counted in SQL: a storm puts thousands of alerts on one card.
  const counts = tx
    .select({ status: alerts.status, n: count() })
    .from(alerts)
    .where(eq(alerts.incidentId, incidentId))
    .groupBy(alerts.status)
    .all();
  return {
    firing: counts.find((c) => c.status === 'firing')?.n ?? 0,
    resolved: counts.find((c) => c.status === 'resolved')?.n ?? 0,
  };
}

export type AlertLine = Pick<
  AlertRow,
  'title' | 'status' | 'service' | 'url' | 'startsAt' | 'labels'
>;

/** The incident's most recently seen alerts, only the firing ones when `firingOnly`. */
export async function latestAlerts(
  tx: Tx,
  incidentId: number,
  { firingOnly, limit }: { firingOnly: boolean; limit: number },
): Promise<AlertLine[]> {
  return tx
    .select({
      title: alerts.title,
      status: alerts.status,
      service: alerts.service,
      url: alerts.url,
      startsAt: alerts.startsAt,
      labels: alerts.labels,
    })
    .from(alerts)
    .where(
      firingOnly
        ? and(eq(alerts.incidentId, incidentId), eq(alerts.status, 'firing'))
        : eq(alerts.incidentId, incidentId),
    )
    .orderBy(desc(alerts.lastSeenAt), desc(alerts.id))
    .limit(limit)
    .all();
}

export interface SuspectLink {
  link: typeof incidentDeploys.$inferSelect;
  deploy: DeployRow;
}

/** The deploys linked to the incident, in rank order. */
export async function suspectLinks(tx: Tx, incidentId: number): Promise<SuspectLink[]> {
  return tx
    .select({ link: incidentDeploys, deploy: deploys })
    .from(incidentDeploys)
    .innerJoin(deploys, eq(deploys.id, incidentDeploys.deployId))
    .where(eq(incidentDeploys.incidentId, incidentId))
    .orderBy(asc(incidentDeploys.rank))
    .all();
}

/** The latest rollback of `deployId` asked for from this incident. */
export async function latestRollbackFrom(
  tx: Tx,
  incidentId: number,
  deployId: number,
): Promise<Pick<RollbackRow, 'id' | 'status'> | undefined> {
  return tx
    .select({ id: rollbacks.id, status: rollbacks.status })
    .from(rollbacks)
    .where(and(eq(rollbacks.incidentId, incidentId), eq(rollbacks.fromDeployId, deployId)))
    .orderBy(desc(rollbacks.id))
    .limit(1)
    .get();
}

/** Freezes neither lifted nor expired at `now`. */
export async function activeFreezes(tx: Tx, now: Date): Promise<FreezeRow[]> {
  return tx
    .select()
    .from(freezes)
    .where(and(isNull(freezes.liftedAt), gt(freezes.expiresAt, now)))
    .all();
}

export type PageLine = Pick<PageRow, 'id' | 'service' | 'status' | 'htmlUrl' | 'pdIncidentId'>;

/** The pages sent for the incident, oldest first. */
export async function pagesOf(tx: Tx, incidentId: number): Promise<PageLine[]> {
  return tx
    .select()
    .from(pages)
    .where(eq(pages.incidentId, incidentId))
    .orderBy(asc(pages.id))
    .all()
    .map((p) => ({
      id: p.id,
      service: p.service,
      status: p.status,
      htmlUrl: p.htmlUrl,
      pdIncidentId: p.pdIncidentId,
    }));
}

const runbookUrl = sql<string>`json_extract(${alerts.annotations}, '$.runbook_url')`;

/** The distinct `runbook_url` annotations of the incident's alerts, the first seen first. */
export async function runbookUrls(tx: Tx, incidentId: number, limit: number): Promise<string[]> {
  return tx
    .select({ url: runbookUrl })
    .from(alerts)
    .where(and(eq(alerts.incidentId, incidentId), sql`${runbookUrl} IS NOT NULL`))
    .groupBy(runbookUrl)
    .orderBy(sql`min(${alerts.id})`)
    .limit(limit)
    .all()
    .map((row) => String(row.url));
}
