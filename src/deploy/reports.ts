import { and, desc, eq, inArray } from 'drizzle-orm';
import {
  type DeployRow,
  deploys,
  type FreezeRow,
  type RollbackRow,
  rollbacks,
} from '../store/schema.js';
import type { DbOrTx } from '../store/sqlite.js';
import { globMatches } from './freeze.js';

export interface DeployStatusReport {
  service: string | null;
  freezes: FreezeRow[];
  /** Rollbacks under way, and the latest finished ones. */
  rollbacks: RollbackRow[];
  /** The newest deploy per environment (for one service), or the newest deploys overall. */
  latest: DeployRow[];
}

/** `/deploy status [service]`. */
export function deployStatus(
  db: DbOrTx,
  active: readonly FreezeRow[],
  service: string | null,
): DeployStatusReport {
  const freezes = service
    ? active.filter((f) => f.services.some((p) => globMatches(p, service)))
    : [...active];
  const underway = db
    .select()
    .from(rollbacks)
    .where(inArray(rollbacks.status, ['requested', 'running']))
    .all()
    .filter((r) => !service || r.service === service);
  const finished = db
    .select()
    .from(rollbacks)
    .where(
      service
        ? and(eq(rollbacks.service, service), inArray(rollbacks.status, ['succeeded', 'failed']))
        : inArray(rollbacks.status, ['succeeded', 'failed']),
    )
    .orderBy(desc(rollbacks.id))
    .limit(3)
    .all();
  const recent = recentDeploys(db, service, service ? 50 : 5);
  const seen = new Set<string>();
  const latest = service
    ? recent.filter((d) => !seen.has(d.environment) && Boolean(seen.add(d.environment)))
    : recent;
  return { service, freezes, rollbacks: [...underway, ...finished], latest };
}

/** `/deploy list [service]`: newest first. */
export function recentDeploys(db: DbOrTx, service: string | null, limit = 15): DeployRow[] {
  return db
    .select()
    .from(deploys)
    .where(service ? eq(deploys.service, service) : undefined)
    .orderBy(desc(deploys.at), desc(deploys.id))
    .limit(limit)
    .all();
}
