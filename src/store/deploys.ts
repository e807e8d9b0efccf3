import { and, asc, desc, eq, gte, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Deploy } from '../domain/deploy.js';
import { deploys, incidentServices, incidents } from './schema.js';
import { prepared, type Tx } from './sqlite.js';

// Deploy rows are Deploy values as they are (the columns are the domain's fields), so reads
// return them without a codec; the return types are where a second dialect's rows must match.

export type NewDeploy = Omit<Deploy, 'id'>;

/** What a later status of a deploy changes. */
export type DeployUpdate = Pick<
  Deploy,
  'status' | 'finishedAt' | 'startedAt' | 'url' | 'rollbackHandle' | 'at' | 'updatedAt'
>;

export async function findDeploy(tx: Tx, id: number): Promise<Deploy | undefined> {
  return tx.select().from(deploys).where(eq(deploys.id, id)).get();
}

export async function findDeployByKey(tx: Tx, dedupeKey: string): Promise<Deploy | undefined> {
  return tx.select().from(deploys).where(eq(deploys.dedupeKey, dedupeKey)).get();
}

export async function insertDeploy(tx: Tx, values: NewDeploy): Promise<Deploy> {
  return tx.insert(deploys).values(values).returning().get();
}

/** Inserts the deploy unless one with its dedupe key exists (a retried step records it once). */
export async function insertDeployOnce(tx: Tx, values: NewDeploy): Promise<void> {
  tx.insert(deploys).values(values).onConflictDoNothing().run();
}

export async function updateDeploy(tx: Tx, id: number, changes: DeployUpdate): Promise<Deploy> {
  return tx.update(deploys).set(changes).where(eq(deploys.id, id)).returning().get();
}

/** The newest successful deploy of service+environment before `before`. */
export async function lastSucceededDeploy(
  tx: Tx,
  service: string,
  environment: string,
  before: Date,
): Promise<Deploy | undefined> {
  return tx
    .select()
    .from(deploys)
    .where(
      and(
        eq(deploys.service, service),
        eq(deploys.environment, environment),
        eq(deploys.status, 'succeeded'),
        lt(deploys.at, before),
      ),
    )
    .orderBy(desc(deploys.at), desc(deploys.id))
    .limit(1)
    .get();
}

/** Whether this environment ran `sha` successfully before `before`. */
export async function succeededWithShaBefore(
  tx: Tx,
  d: { service: string; environment: string; sha: string; before: Date },
): Promise<boolean> {
  return Boolean(
    tx
      .select({ id: deploys.id })
      .from(deploys)
      .where(
        and(
          eq(deploys.service, d.service),
          eq(deploys.environment, d.environment),
          eq(deploys.sha, d.sha),
          eq(deploys.status, 'succeeded'),
          lt(deploys.at, d.before),
        ),
      )
      .limit(1)
      .get(),
  );
}

/** The deploy a `/deploy rollback` starts from: the newest one of that service+environment. */
export async function latestDeploy(
  tx: Tx,
  service: string,
  environment: string,
): Promise<Deploy | undefined> {
  return tx
    .select()
    .from(deploys)
    .where(and(eq(deploys.service, service), eq(deploys.environment, environment)))
    .orderBy(desc(deploys.at), desc(deploys.id))
    .limit(1)
    .get();
}

/** Successful deploys of the same service+environment that came before `from`, newest first. */
export async function succeededDeploysBefore(
  tx: Tx,
  from: Pick<Deploy, 'id' | 'service' | 'environment' | 'at'>,
  limit: number,
): Promise<Deploy[]> {
  return tx
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
    .limit(limit)
    .all();
}

/** `/deploy list [service]`: newest first. */
export async function newestDeploys(
  tx: Tx,
  service: string | null,
  limit: number,
): Promise<Deploy[]> {
  return tx
    .select()
    .from(deploys)
    .where(service ? eq(deploys.service, service) : undefined)
    .orderBy(desc(deploys.at), desc(deploys.id))
    .limit(limit)
    .all();
}

/** Every deploy in the order they were first recorded (tests, exports). */
export async function allDeploys(tx: Tx): Promise<Deploy[]> {
  return tx.select().from(deploys).orderBy(asc(deploys.id)).all();
}

/** The open incidents of that service and environment: the ones a deploy of it concerns. */
export async function openIncidentsOf(
  tx: Tx,
  service: string,
  environment: string,
): Promise<number[]> {
  return tx
    .select({ id: incidents.id })
    .from(incidents)
    .innerJoin(incidentServices, eq(incidentServices.incidentId, incidents.id))
    .where(
      and(
        eq(incidentServices.service, service),
        eq(incidents.environment, environment),
        ne(incidents.state, 'resolved'),
      ),
    )
    .all()
    .map((r) => r.id);
}

// Suspect ranking runs in the transaction that opens an incident, so its two queries are
// prepared once per connection (deploys_service_env_at; deploys_running for the second).

/** The newest deploys of service+environment with `from <= at <= until`, at most `limit`. */
export async function deploysInWindow(
  tx: Tx,
  q: { service: string; environment: string; from: Date; until: Date; limit: number },
): Promise<Deploy[]> {
  return prepared(tx, 'deploys.inWindow', (d) =>
    d
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
      .limit(sql.placeholder('limit'))
      .prepare(),
  ).all({
    service: q.service,
    environment: q.environment,
    from: q.from.getTime(),
    until: q.until.getTime(),
    limit: q.limit,
  });
}

/** Deploys of service+environment with no final status that started in `[from, until]`. */
export async function runningDeploys(
  tx: Tx,
  q: { service: string; environment: string; from: Date; until: Date; limit: number },
): Promise<Deploy[]> {
  return prepared(tx, 'deploys.running', (d) =>
    d
      .select()
      .from(deploys)
      .where(
        and(
          eq(deploys.service, sql.placeholder('service')),
          eq(deploys.environment, sql.placeholder('environment')),
          eq(deploys.status, 'started'),
          gte(deploys.at, sql.placeholder('from')),
          lte(deploys.at, sql.placeholder('until')),
        ),
      )
      .orderBy(desc(deploys.at))
      .limit(sql.placeholder('limit'))
      .prepare(),
  ).all({
    service: q.service,
    environment: q.environment,
    from: q.from.getTime(),
    until: q.until.getTime(),
    limit: q.limit,
  });
}
