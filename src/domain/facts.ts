import type { Milestones, Severity } from './incident.js';

// What the metrics are computed from, as the store reads them.

/** A succeeded deploy of the scope being measured (service filter and environment applied). */
export interface DeployFact {
  id: number;
  service: string;
  isRollback: boolean;
  /** When it went live: finishedAt, else the deploy's position in time. */
  at: Date;
  /** The commit time of the deployed version, when the sender told us. */
  commitAt: Date | null;
}

/** A deploy confirmed as the cause of an incident, with that incident's recovery milestones. */
export interface CausalLink {
  deployId: number;
  incidentId: number;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
}

/** A rollback away from a deploy. */
export interface RollbackFact {
  fromDeployId: number;
  status: 'requested' | 'running' | 'succeeded' | 'failed';
  finishedAt: Date | null;
}

export interface IncidentFact extends Milestones {
  severity: Severity;
}
