import { and, count, eq } from 'drizzle-orm';
import type { SuspectLink, SuspectVerdict } from '../domain/deploy.js';
import { incidentDeploys } from './schema.js';
import type { DbOrTx } from './sqlite.js';

// Suspect deploys linked to incidents (incident_deploys), with the verdicts people gave them.

export function countSuspects(db: DbOrTx, incidentId: number): number {
  return (
    db
      .select({ n: count() })
      .from(incidentDeploys)
      .where(eq(incidentDeploys.incidentId, incidentId))
      .get()?.n ?? 0
  );
}

/** Links a deploy to an incident at `rank`; false when it is linked already (verdict kept). */
export function linkSuspect(
  tx: DbOrTx,
  incidentId: number,
  deployId: number,
  rank: number,
): boolean {
  const result = tx
    .insert(incidentDeploys)
    .values({ incidentId, deployId, rank })
    .onConflictDoNothing()
    .run();
  return result.changes > 0;
}

export function findSuspectLink(
  db: DbOrTx,
  incidentId: number,
  deployId: number,
): SuspectLink | undefined {
  return db
    .select()
    .from(incidentDeploys)
    .where(and(eq(incidentDeploys.incidentId, incidentId), eq(incidentDeploys.deployId, deployId)))
    .get();
}

export function setSuspectVerdict(
  tx: DbOrTx,
  link: { incidentId: number; deployId: number },
  verdict: { verdict: SuspectVerdict; by: string; at: Date },
): void {
  tx.update(incidentDeploys)
    .set({ verdict: verdict.verdict, verdictBy: verdict.by, verdictAt: verdict.at })
    .where(
      and(
        eq(incidentDeploys.incidentId, link.incidentId),
        eq(incidentDeploys.deployId, link.deployId),
      ),
    )
    .run();
}

/** The incidents that have this deploy among their suspects. */
export function incidentsSuspecting(db: DbOrTx, deployId: number): number[] {
  return db
    .select({ incidentId: incidentDeploys.incidentId })
    .from(incidentDeploys)
    .where(eq(incidentDeploys.deployId, deployId))
    .all()
    .map((r) => r.incidentId);
}
