import { asc, count, eq, inArray } from 'drizzle-orm';
import type { Incident } from '../incidents/incident.js';
import { getIncident } from '../store/incidents.js';
import {
  alerts,
  deploys,
  followups,
  freezes,
  incidentDeploys,
  pages,
  rollbacks,
} from '../store/schema.js';
import type { Db } from '../store/sqlite.js';
import { streamOf, type TimelineKind } from '../timeline/timeline.js';

export interface AlertItem {
  title: string;
  status: 'firing' | 'resolved';
  service: string | null;
  severity: string;
  url: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
}

export interface DeployItem {
  deployId: number;
  service: string;
  environment: string;
  version: string;
  previousVersion: string | null;
  status: string;
  actor: string | null;
  url: string | null;
  compareUrl: string | null;
  at: Date;
  verdict: 'suspect' | 'not_related' | 'causal';
  verdictBy: string | null;
}

export interface RollbackItem {
  id: number;
  service: string;
  environment: string;
  fromVersion: string | null;
  toVersion: string | null;
  status: string;
  requestedBy: string;
  backend: string;
  externalUrl: string | null;
  error: string | null;
  requestedAt: Date;
  finishedAt: Date | null;
}

export interface FreezeItem {
  id: number;
  services: string[];
  environments: string[];
  reason: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  liftedAt: Date | null;
  liftedBy: string | null;
}

export interface PageItem {
  service: string;
  status: string;
  htmlUrl: string | null;
  requestedBy: string | null;
  origin: string;
  createdAt: Date;
}

export interface FollowupItem {
  id: number;
  text: string;
  ownerId: string | null;
  state: 'open' | 'done' | 'wont_do';
}

export interface TimelineItem {
  seq: number;
  at: Date;
  kind: TimelineKind;
  actor: string;
  source: string;
  payload: Record<string, unknown>;
}

/** Everything the postmortem draft is written from, read in one place. */
export interface PostmortemRecord {
  incident: Incident;
  alerts: { total: number; firing: number; items: AlertItem[] };
  deploys: DeployItem[];
  rollbacks: RollbackItem[];
  freezes: FreezeItem[];
  pages: PageItem[];
  followups: FollowupItem[];
  /** The curated timeline in time order; when longer than the limit, its head and tail. */
  timeline: { items: TimelineItem[]; omitted: number; omittedAfter: number | null };
}

/** What goes into the curated timeline: what people said and did, and the bot's key events. */
export const CURATED_KINDS = [
  'incident_opened',
  'incident_declared',
  'alert_firing',
  'alerts_all_resolved',
  'state_changed',
  'severity_changed',
  'owner_changed',
  'acknowledged',
  'mitigated',
  'resolved',
  'reopened',
  'status_update',
  'note',
  'pinned',
  'deploy_seen',
  'rollback_requested',
  'rollback_started',
  'rollback_succeeded',
  'rollback_failed',
  'freeze_created',
  'freeze_lifted',
  'freeze_expired',
  'page_triggered',
  'page_failed',
  'cause_recorded',
] as const satisfies readonly TimelineKind[];

export interface LoadOptions {
  /** Alerts listed (the rest are counted). */
  maxAlerts?: number;
  /** Curated timeline entries kept: the first and last half of this many. */
  maxTimeline?: number;
}

interface RawEvent {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  source: string;
  payload: string;
}

const parse = (raw: string): Record<string, unknown> => {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * Streams the incident's curated events in time order (original times: a pinned message sits
 * where it was written) and keeps a bounded head and tail, so memory stays flat however long
 * the record is. Only the first alert firing is kept: the alerts have their own section.
 */
function curatedTimeline(db: Db, incidentId: number, max: number): PostmortemRecord['timeline'] {
  const stream = streamOf(incidentId);
  const withdrawn = new Set(
    (
      db.$client
        .prepare(
          `SELECT json_extract(payload, '$.pinSeq') AS pinSeq FROM timeline_events
           WHERE stream = ? AND kind = 'pin_withdrawn'`,
        )
        .all(stream) as { pinSeq: number | null }[]
    ).map((r) => r.pinSeq),
  );
  const kinds = CURATED_KINDS.map(() => '?').join(',');
  const rows = db.$client
    .prepare(
      `SELECT seq, at, kind, actor, source, payload FROM timeline_events
       WHERE stream = ? AND kind IN (${kinds}) ORDER BY at, seq`,
    )
    .iterate(stream, ...CURATED_KINDS) as IterableIterator<RawEvent>;
  const headSize = Math.ceil(max / 2);
  const tailSize = max - headSize;
  // Rows stay raw (payload unparsed) until we know they are kept: most of a long record is
  // skipped over, and parsing it would cost more than reading it.
  const head: RawEvent[] = [];
  const tail: RawEvent[] = [];
  let omitted = 0;
  let firstAlertSeen = false;
  for (const raw of rows) {
    if (raw.kind === 'pinned' && withdrawn.has(raw.seq)) continue;
    if (raw.kind === 'alert_firing') {
      if (firstAlertSeen) continue;
      firstAlertSeen = true;
    }
    if (head.length < headSize) head.push(raw);
    else {
      tail.push(raw);
      if (tail.length > tailSize) {
        tail.shift();
        omitted++;
      }
    }
  }
  const toItem = (raw: RawEvent): TimelineItem => ({
    seq: raw.seq,
    at: new Date(raw.at),
    kind: raw.kind as TimelineKind,
    actor: raw.actor,
    source: raw.source,
    payload: parse(raw.payload),
  });
  return {
    items: [...head, ...tail].map(toItem),
    omitted,
    omittedAfter: omitted > 0 ? head.length : null,
  };
}

/** Reads everything about one incident that its postmortem draft needs. */
export function loadPostmortemRecord(
  db: Db,
  incidentId: number,
  options: LoadOptions = {},
): PostmortemRecord {
  const incident = getIncident(db, incidentId);
  const maxAlerts = options.maxAlerts ?? 50;

  const alertCounts = db
    .select({ status: alerts.status, n: count() })
    .from(alerts)
    .where(eq(alerts.incidentId, incidentId))
    .groupBy(alerts.status)
    .all();
  const alertItems = db
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
    .limit(maxAlerts)
    .all();

  const deployItems = db
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

  const rollbackRows = db
    .select()
    .from(rollbacks)
    .where(eq(rollbacks.incidentId, incidentId))
    .orderBy(asc(rollbacks.requestedAt), asc(rollbacks.id))
    .all();
  const deployIds = [
    ...new Set(
      rollbackRows.flatMap((r) => [r.toDeployId, ...(r.fromDeployId ? [r.fromDeployId] : [])]),
    ),
  ];
  const versions = new Map(
    deployIds.length === 0
      ? []
      : db
          .select({ id: deploys.id, version: deploys.version })
          .from(deploys)
          .where(inArray(deploys.id, deployIds))
          .all()
          .map((d) => [d.id, d.version] as const),
  );

  return {
    incident,
    alerts: {
      total: alertCounts.reduce((sum, r) => sum + r.n, 0),
      firing: alertCounts.find((r) => r.status === 'firing')?.n ?? 0,
      items: alertItems,
    },
    deploys: deployItems,
    rollbacks: rollbackRows.map((r) => ({
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
    })),
    freezes: db
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
      })),
    pages: db
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
      })),
    followups: db
      .select({
        id: followups.id,
        text: followups.text,
        ownerId: followups.ownerId,
        state: followups.state,
      })
      .from(followups)
      .where(eq(followups.incidentId, incidentId))
      .orderBy(asc(followups.id))
      .all(),
    timeline: curatedTimeline(db, incidentId, options.maxTimeline ?? 400),
  };
}
