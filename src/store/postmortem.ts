import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { SuspectVerdict } from '../domain/deploy.js';
import type {
  AlertItem,
  DeployItem,
  FollowupItem,
  FreezeItem,
  PageItem,
  RollbackItem,
  TimelineItem,
} from '../domain/postmortem.js';
import type { TimelineKind } from '../domain/timeline.js';
import { suspectLinks } from './incident-view.js';
import {
  alerts,
  type DeployRow,
  deploys,
  followups,
  freezes,
  incidentDeploys,
  pages,
  rollbacks,
} from './schema.js';
import type { Tx } from './sqlite.js';

// What the postmortem reads about one incident, and the deploy verdicts its cause question
// writes. Each function is one read (or one small group) the record in src/postmortem/ is built from.

export type { DeployRow };
export type Verdict = SuspectVerdict;

/** How many alerts the incident has (and how many still fire), and the first `max` of them. */
export async function alertsOf(
  tx: Tx,
  incidentId: number,
  max: number,
): Promise<{ total: number; firing: number; items: AlertItem[] }> {
  const counts = tx
    .select({ status: alerts.status, n: count() })
    .from(alerts)
    .where(eq(alerts.incidentId, incidentId))
    .groupBy(alerts.status)
    .all();
  const items = tx
    .select({
      title: alerts.title,
      status: alerts.status,
      service: alerts.service,
      severity: alerts.severity,
      url: alerts.url,
      startsAt: alerts.startsAt,
      endsAt: alerts.endsAt,
    })
    .from(alerts)
    .where(eq(alerts.incidentId, incidentId))
    .orderBy(asc(alerts.firstSeenAt), asc(alerts.id))
    .limit(max)
    .all();
  return {
    total: counts.reduce((sum, r) => sum + r.n, 0),
    firing: counts.find((r) => r.status === 'firing')?.n ?? 0,
    items,
  };
}

/** The incident's deploys (suspects and their verdicts), best suspect first. */
export async function deploysOf(tx: Tx, incidentId: number): Promise<DeployItem[]> {
  return tx
    .select({ link: incidentDeploys, deploy: deploys })
    .from(incidentDeploys)
    .innerJoin(deploys, eq(deploys.id, incidentDeploys.deployId))
    .where(eq(incidentDeploys.incidentId, incidentId))
    .orderBy(asc(incidentDeploys.rank), asc(deploys.id))
    .all()
    .map(({ link, deploy }) => ({
      deployId: deploy.id,
      service: deploy.service,
      environment: deploy.environment,
      version: deploy.version,
      previousVersion: deploy.previousVersion,
      status: deploy.status,
      actor: deploy.actor,
      url: deploy.url,
      compareUrl: deploy.compareUrl,
      at: deploy.at,
      verdict: link.verdict,
      verdictBy: link.verdictBy,
    }));
}

/** The incident's rollbacks in the order they were asked for, with the versions they moved between. */
export async function rollbacksOf(tx: Tx, incidentId: number): Promise<RollbackItem[]> {
  const rows = tx
    .select()
    .from(rollbacks)
    .where(eq(rollbacks.incidentId, incidentId))
    .orderBy(asc(rollbacks.requestedAt), asc(rollbacks.id))
    .all();
  const deployIds = [
    ...new Set(rows.flatMap((r) => [r.toDeployId, ...(r.fromDeployId ? [r.fromDeployId] : [])])),
  ];
  const versions = new Map(
    deployIds.length === 0
      ? []
      : tx
          .select({ id: deploys.id, version: deploys.version })
          .from(deploys)
          .where(inArray(deploys.id, deployIds))
          .all()
          .map((d) => [d.id, d.version] as const),
  );
  return rows.map((r) => ({
    id: r.id,
    service: r.service,
    environment: r.environment,
    fromVersion: r.fromDeployId ? (versions.get(r.fromDeployId) ?? null) : null,
    toVersion: versions.get(r.toDeployId) ?? null,
    status: r.status,
    requestedBy: r.requestedBy,
    backend: r.backend,
    externalUrl: r.externalUrl,
    error: r.error,
    requestedAt: r.requestedAt,
    finishedAt: r.finishedAt,
  }));
}

export async function freezesOf(tx: Tx, incidentId: number): Promise<FreezeItem[]> {
  return tx
    .select()
    .from(freezes)
    .where(eq(freezes.incidentId, incidentId))
    .orderBy(asc(freezes.createdAt), asc(freezes.id))
    .all()
    .map((f) => ({
      id: f.id,
      services: f.services,
      environments: f.environments,
      reason: f.reason,
      createdBy: f.createdBy,
      createdAt: f.createdAt,
      expiresAt: f.expiresAt,
      liftedAt: f.liftedAt,
      liftedBy: f.liftedBy,
    }));
}

export async function pageItemsOf(tx: Tx, incidentId: number): Promise<PageItem[]> {
  return tx
    .select()
    .from(pages)
    .where(eq(pages.incidentId, incidentId))
    .orderBy(asc(pages.createdAt), asc(pages.id))
    .all()
    .map((p) => ({
      service: p.service,
      status: p.status,
      htmlUrl: p.htmlUrl,
      requestedBy: p.requestedBy,
      origin: p.origin,
      createdAt: p.createdAt,
    }));
}

export async function followupsOf(tx: Tx, incidentId: number): Promise<FollowupItem[]> {
  return tx
    .select({
      id: followups.id,
      text: followups.text,
      ownerId: followups.ownerId,
      state: followups.state,
      trackerKey: followups.trackerKey,
      trackerUrl: followups.trackerUrl,
    })
    .from(followups)
    .where(eq(followups.incidentId, incidentId))
    .orderBy(asc(followups.id))
    .all();
}

/** A timeline row as read for the postmortem: its payload still JSON text, parsed only if kept. */
export interface RawTimelineItem {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  source: string;
  payload: string;
}

/** The seqs of the pins withdrawn in this stream. */
export async function withdrawnPinSeqs(tx: Tx, stream: string): Promise<Set<number | null>> {
  const rows = tx.$client
    .prepare(
      `SELECT json_extract(payload, '$.pinSeq') AS pinSeq FROM timeline_events
       WHERE stream = ? AND kind = 'pin_withdrawn'`,
    )
    .all(stream) as { pinSeq: number | null }[];
  return new Set(rows.map((r) => r.pinSeq));
}

/**
 * The stream's entries of these kinds in time order (original times: a pinned message sits
 * where it was written), read lazily so memory stays flat however long the record is.
 */
export async function timelineInTimeOrder(
  tx: Tx,
  stream: string,
  kinds: readonly TimelineKind[],
): Promise<IterableIterator<RawTimelineItem>> {
  const placeholders = kinds.map(() => '?').join(',');
  return tx.$client
    .prepare(
      `SELECT seq, at, kind, actor, source, payload FROM timeline_events
       WHERE stream = ? AND kind IN (${placeholders}) ORDER BY at, seq`,
    )
    .iterate(stream, ...kinds) as IterableIterator<RawTimelineItem>;
}

const parse = (raw: string): Record<string, unknown> => {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export const toTimelineItem = (raw: RawTimelineItem): TimelineItem => ({
  seq: raw.seq,
  at: new Date(raw.at),
  kind: raw.kind as TimelineKind,
  actor: raw.actor,
  source: raw.source,
  payload: parse(raw.payload),
});

export interface Suspect {
  link: { verdict: Verdict; verdictBy: string | null };
  deploy: DeployRow;
}

/** The deploys suspected of causing the incident, best suspect first. */
export async function suspectsOf(tx: Tx, incidentId: number): Promise<Suspect[]> {
  return await suspectLinks(tx, incidentId);
}

/** Gives these suspects of the incident the same verdict. */
export async function setVerdicts(
  tx: Tx,
  incidentId: number,
  deployIds: readonly number[],
  verdict: { verdict: Verdict; by: string; at: Date },
): Promise<void> {
  if (deployIds.length === 0) return;
  tx.update(incidentDeploys)
    .set({ verdict: verdict.verdict, verdictBy: verdict.by, verdictAt: verdict.at })
    .where(
      and(
        eq(incidentDeploys.incidentId, incidentId),
        inArray(incidentDeploys.deployId, [...deployIds]),
      ),
    )
    .run();
}
