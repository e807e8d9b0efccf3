import { and, eq, gte, inArray, isNotNull, lt, or, type SQL } from 'drizzle-orm';
import type { CausalLink, DeployFact, IncidentFact, RollbackFact } from '../domain/facts.js';
import { deploys, incidentDeploys, incidents, rollbacks } from './schema.js';
import type { Tx } from './sqlite.js';

// The facts the incident and DORA metrics (src/metrics/) are computed from.

export interface Window {
  since: Date;
  until: Date;
}

// SQLite caps bound parameters; chunk the IN lists.
const CHUNK = 500;
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Incidents detected (or declared) inside the window. */
export async function loadIncidentFacts(tx: Tx, window: Window): Promise<IncidentFact[]> {
  const detected = (from: Date, to: Date): SQL =>
    or(
      and(
        isNotNull(incidents.detectedAt),
        gte(incidents.detectedAt, from),
        lt(incidents.detectedAt, to),
      ),
      and(gte(incidents.declaredAt, from), lt(incidents.declaredAt, to)),
    ) as SQL;
  return tx
    .select({
      severity: incidents.severity,
      impactStartedAt: incidents.impactStartedAt,
      detectedAt: incidents.detectedAt,
      declaredAt: incidents.declaredAt,
      acknowledgedAt: incidents.acknowledgedAt,
      mitigatedAt: incidents.mitigatedAt,
      resolvedAt: incidents.resolvedAt,
    })
    .from(incidents)
    .where(detected(window.since, window.until))
    .all();
}

export interface DeployScope {
  environment: string;
  /** One service, or every service when absent. */
  service?: string;
}

/** Succeeded deploys of the scope inside the window, with their causal links and rollbacks. */
export async function loadDoraFacts(
  tx: Tx,
  window: Window,
  scope: DeployScope,
): Promise<{ deploys: DeployFact[]; causal: CausalLink[]; rollbacks: RollbackFact[] }> {
  const rows = tx
    .select({
      id: deploys.id,
      service: deploys.service,
      isRollback: deploys.isRollback,
      at: deploys.at,
      finishedAt: deploys.finishedAt,
      commitAt: deploys.commitAt,
    })
    .from(deploys)
    .where(
      and(
        eq(deploys.status, 'succeeded'),
        eq(deploys.environment, scope.environment),
        scope.service ? eq(deploys.service, scope.service) : undefined,
        gte(deploys.at, window.since),
        lt(deploys.at, window.until),
      ),
    )
    .all();
  const facts: DeployFact[] = rows.map((r) => ({
    id: r.id,
    service: r.service,
    isRollback: r.isRollback,
    at: r.finishedAt ?? r.at,
    commitAt: r.commitAt,
  }));
  const causal: CausalLink[] = [];
  const rolledBack: RollbackFact[] = [];
  for (const ids of chunks(facts.map((d) => d.id))) {
    causal.push(
      ...tx
        .select({
          deployId: incidentDeploys.deployId,
          incidentId: incidentDeploys.incidentId,
          mitigatedAt: incidents.mitigatedAt,
          resolvedAt: incidents.resolvedAt,
        })
        .from(incidentDeploys)
        .innerJoin(incidents, eq(incidents.id, incidentDeploys.incidentId))
        .where(and(eq(incidentDeploys.verdict, 'causal'), inArray(incidentDeploys.deployId, ids)))
        .all(),
    );
    for (const r of tx
      .select({
        fromDeployId: rollbacks.fromDeployId,
        status: rollbacks.status,
        finishedAt: rollbacks.finishedAt,
      })
      .from(rollbacks)
      .where(inArray(rollbacks.fromDeployId, ids))
      .all()) {
      if (r.fromDeployId !== null) rolledBack.push({ ...r, fromDeployId: r.fromDeployId });
    }
  }
  return { deploys: facts, causal, rollbacks: rolledBack };
}
