import { and, count, eq } from 'drizzle-orm';
import type { SuspectLink, SuspectVerdict } from '../domain/deploy.js';
import { incidentDeploys } from './schema.js';
import type { Tx } from './sqlite.js';

// Suspect deploys linked to incidents (incident_deploys), with the verdicts people gave them.

export async function countSuspects(tx: Tx, incidentId: number): Promise<number> {
  return (
    tx
      .select({ n: count() })
      .from(incidentDeploys)
      .where(eq(incidentDeploys.incidentId, incidentId))
      .get()?.n ?? 0
  );
}

/** Links a deploy to an incident at `rank`; false when it is linked already (verdict kept). */
export async function linkSuspect(
  tx: Tx,
  incidentId: number,
  deployId: number,
  rank: number,
): Promise<boolean> {
  const result = tx
    .insert(incidentDeploys)
    .values({ incidentId, deployId, rank })
    .onConflictDoNothing()
    .run();
  return result.changes > 0;
}

export async function findSuspectLink(
  tx: Tx,
  incidentId: number,
  deployId: number,
): Promise<SuspectLink | undefined> {
  return tx
    .select()
    .from(incidentDeploys)
    .where(and(eq(incidentDeploys.incidentId, incidentId), eq(incidentDeploys.deployId, deployId)))
    .get();
}

export async function setSuspectVerdict(
  tx: Tx,
  link: { incidentId: number; deployId: number },
  verdict: { verdict: SuspectVerdict; by: string; at: Date },
): Promise<void> {
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
export async function incidentsSuspecting(tx: Tx, deployId: number): Promise<number[]> {
  return tx
    .select({ incidentId: incidentDeploys.incidentId })
    .from(incidentDeploys)
    .where(eq(incidentDeploys.deployId, deployId))
    .all()
    .map((r) => r.incidentId);
}
