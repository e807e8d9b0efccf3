import type { Deploy, Rollback } from '../domain/deploy.js';
import { type Freeze, globMatches } from '../domain/freeze.js';
import { newestDeploys } from '../store/deploys.js';
import { finishedRollbacks, rollbacksUnderway } from '../store/rollbacks.js';
import type { Tx } from '../store/unit-of-work.js';

export interface DeployStatusReport {
  service: string | null;
  freezes: Freeze[];
  /** Rollbacks under way, and the latest finished ones. */
  rollbacks: Rollback[];
  /** The newest deploy per environment (for one service), or the newest deploys overall. */
  latest: Deploy[];
}

/** `/deploy status [service]`. */
export async function deployStatus(
  tx: Tx,
  active: readonly Freeze[],
  service: string | null,
): Promise<DeployStatusReport> {
  const freezes = service
    ? active.filter((f) => f.services.some((p) => globMatches(p, service)))
    : [...active];
  const underway = (await rollbacksUnderway(tx)).filter((r) => !service || r.service === service);
  const finished = await finishedRollbacks(tx, service, 3);
  const recent = await recentDeploys(tx, service, service ? 50 : 5);
  const seen = new Set<string>();
  const latest = service
    ? recent.filter((d) => !seen.has(d.environment) && Boolean(seen.add(d.environment)))
    : recent;
  return { service, freezes, rollbacks: [...underway, ...finished], latest };
}

/** `/deploy list [service]`: newest first. */
export async function recentDeploys(tx: Tx, service: string | null, limit = 15): Promise<Deploy[]> {
  return await newestDeploys(tx, service, limit);
}
