import { and, count, desc, eq, gte, lt, lte, or, sql } from 'drizzle-orm';
import { AppError } from '../errors.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { Actor } from '../incidents/events.js';
import { type Incident, incidentRef } from '../incidents/incident.js';
import { type DeployRow, deploys, incidentDeploys, rollbacks } from '../store/schema.js';
import type { Db, DbOrTx } from '../store/sqlite.js';
import { record } from '../timeline/timeline.js';

export interface SuspectPolicy {
  /** How far before detection a deploy is still a suspect. */
  windowMs: number;
  /** How many suspects an incident keeps. */
  max: number;
}

export interface SuspectQuery {
  services: readonly string[];
  environment: string;
  detectedAt: Date;
}

// Deploys looked at per service: the most recent in the window. A window with more deploys than
// this is a deploy storm, and the oldest of it are not what anyone would roll back first.
const CANDIDATES = 50;
// A deploy that has reported no final status for a day was abandoned, not "still running".
const STALE_RUNNING_MS = 24 * 60 * 60_000;

const priority = (d: DeployRow) => (d.status === 'succeeded' ? 1 : 0);

/** Failed or still running first, then the most recent; ties broken by arrival. */
export function rankSuspects(rows: readonly DeployRow[]): DeployRow[] {
  return [...rows].sort(
    (a, b) => priority(a) - priority(b) || b.at.getTime() - a.at.getTime() || b.id - a.id,
  );
}

/**
 * The deploys most likely to have caused an incident: those to its services and environment
 * in the look-back window before detection, plus any still running at detection. Two index
 * seeks per service (deploys_service_env_at), prepared once per database connection.
 */
export function suspectFinder(db: Db) {
  const window = db
    .select()
    .from(deploys)
    .where(
      and(
        eq(deploys.service, sql.placeholder('service')),
        eq(deploys.environment, sql.placeholder('environment')),
        gte(deploys.at, sql.placeholder('from')),
        lte(deploys.at, sql.placeholder('until')),
      ),
    )
    .orderBy(desc(deploys.at))
    .limit(CANDIDATES)
    .prepare();
  const running = db
    .select()
    .from(deploys)
    .where(
      and(
        eq(deploys.service, sql.placeholder('service')),
        eq(deploys.environment, sql.placeholder('environment')),
        eq(deploys.status, 'started'),
        gte(deploys.at, sql.placeholder('staleFrom')),
        lte(deploys.at, sql.placeholder('until')),
      ),
    )
    .orderBy(desc(deploys.at))
    .limit(sql.placeholder('max'))
    .prepare();

  // Statements prepared on the connection serve its transactions too (better-sqlite3 is synchronous).
  return function find(query: SuspectQuery, policy: SuspectPolicy): DeployRow[] {
    const detected = query.detectedAt.getTime();
    const byId = new Map<number, DeployRow>();
    for (const service of new Set(query.services)) {
      const args = { service, environment: query.environment, until: detected };
      for (const row of window.all({ ...args, from: detected - policy.windowMs }))
        byId.set(row.id, row);
      for (const row of running.all({
        ...args,
        staleFrom: detected - STALE_RUNNING_MS,
        max: policy.max,
      }))
        byId.set(row.id, row);
    }
    return rankSuspects([...byId.values()]).slice(0, policy.max);
  };
}

/** Links suspects to an incident, after any it already has; verdicts already given are kept. */
export function storeSuspects(tx: DbOrTx, incidentId: number, rows: readonly DeployRow[]): number {
  const existing =
    tx
      .select({ n: count() })
      .from(incidentDeploys)
      .where(eq(incidentDeploys.incidentId, incidentId))
      .get()?.n ?? 0;
  let added = 0;
  for (const row of rows) {
    const result = tx
      .insert(incidentDeploys)
      .values({ incidentId, deployId: row.id, rank: existing + added + 1 })
      .onConflictDoNothing()
      .run();
    added += result.changes;
  }
  return added;
}

/**
 * What rolling back `from` goes back to: the last *successful* deploy of the same service and
 * environment before it (never a failed one), skipping deploys of the same version and deploys
 * an earlier successful rollback already undid. Undefined when there is none.
 */
export function rollbackTarget(
  db: DbOrTx,
  from: Pick<DeployRow, 'id' | 'service' | 'environment' | 'at' | 'sha' | 'version'>,
): DeployRow | undefined {
  const candidates = db
    .select()
    .from(deploys)
    .where(
      and(
        eq(deploys.service, from.service),
        eq(deploys.environment, from.environment),
        eq(deploys.status, 'succeeded'),
        or(lt(deploys.at, from.at), and(eq(deploys.at, from.at), lt(deploys.id, from.id))),
      ),
    )
    .orderBy(desc(deploys.at), desc(deploys.id))
    .limit(20)
    .all();
  if (candidates.length === 0) return undefined;
  const undone = db
    .select({ toAt: deploys.at, finishedAt: rollbacks.finishedAt })
    .from(rollbacks)
    .innerJoin(deploys, eq(deploys.id, rollbacks.toDeployId))
    .where(
      and(
        eq(rollbacks.service, from.service),
        eq(rollbacks.environment, from.environment),
        eq(rollbacks.status, 'succeeded'),
      ),
    )
    .all();
  const wasUndone = (d: DeployRow) =>
    undone.some((u) => u.finishedAt !== null && d.at > u.toAt && d.at < u.finishedAt);
  return candidates.find(
    (d) =>
      d.id !== from.id &&
      !(from.sha !== null && d.sha === from.sha) &&
      d.version !== from.version &&
      !wasUndone(d),
  );
}

/** The deploy a `/deploy rollback` starts from: the newest one of that service+environment. */
export function latestDeploy(
  db: DbOrTx,
  service: string,
  environment: string,
): DeployRow | undefined {
  return db
    .select()
    .from(deploys)
    .where(and(eq(deploys.service, service), eq(deploys.environment, environment)))
    .orderBy(desc(deploys.at), desc(deploys.id))
    .limit(1)
    .get();
}

/**
 * Suspects as incidents see them: computed when an incident opens (alert or declared, in the
 * transaction that opened it), and judged "not related" from the card.
 */
export function createSuspects(deps: {
  db: Db;
  now: () => Date;
  kick: () => void;
  policy: SuspectPolicy;
}) {
  const { db, now, policy } = deps;
  const findSuspects = suspectFinder(db);

  function onOpened(tx: DbOrTx, incident: Incident): number {
    if (incident.services.length === 0) return 0;
    const rows = findSuspects(
      {
        services: incident.services,
        environment: incident.environment,
        detectedAt: incident.detectedAt ?? incident.declaredAt,
      },
      policy,
    );
    return storeSuspects(tx, incident.id, rows);
  }

  function markNotRelated(incidentId: number, deployId: number, actor: Actor): boolean {
    const at = now();
    const changed = db.transaction((tx) => {
      const link = tx
        .select()
        .from(incidentDeploys)
        .where(
          and(eq(incidentDeploys.incidentId, incidentId), eq(incidentDeploys.deployId, deployId)),
        )
        .get();
      if (!link)
        throw new AppError(
          'not_found',
          `That deploy is not a suspect of ${incidentRef(incidentId)}.`,
        );
      if (link.verdict === 'not_related') return false;
      tx.update(incidentDeploys)
        .set({ verdict: 'not_related', verdictBy: actor.id, verdictAt: at })
        .where(
          and(eq(incidentDeploys.incidentId, incidentId), eq(incidentDeploys.deployId, deployId)),
        )
        .run();
      const deploy = tx.select().from(deploys).where(eq(deploys.id, deployId)).get();
      record(
        tx,
        {
          incidentId,
          kind: 'suspect_marked',
          at,
          actor: actor.id,
          source: actor.source,
          payload: {
            deployId,
            verdict: 'not_related',
            from: link.verdict,
            service: deploy?.service,
            version: deploy?.version,
          },
        },
        at,
      );
      enqueuePublish(tx, incidentId, at);
      return true;
    });
    if (changed) deps.kick();
    return changed;
  }

  return { onOpened, markNotRelated };
}

export type Suspects = ReturnType<typeof createSuspects>;
