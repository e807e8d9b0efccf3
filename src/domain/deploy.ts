// Deploys, rollbacks and suspect links as the core sees them. The store maps its rows to these
// (src/store/deploys.ts, rollbacks.ts, suspects.ts); the schema takes its status lists from here.

export const DEPLOY_STATUSES = ['started', 'succeeded', 'failed'] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

export const ROLLBACK_STATUSES = ['requested', 'running', 'succeeded', 'failed'] as const;
export type RollbackStatus = (typeof ROLLBACK_STATUSES)[number];

export const SUSPECT_VERDICTS = ['suspect', 'not_related', 'causal'] as const;
export type SuspectVerdict = (typeof SUSPECT_VERDICTS)[number];

export interface Deploy {
  id: number;
  source: string;
  /** `${source}:${id in the source}`; a later status of the same deploy updates the deploy. */
  dedupeKey: string;
  service: string;
  /** False when no configured service or alias matched the name the sender used. */
  serviceKnown: boolean;
  environment: string;
  status: DeployStatus;
  version: string;
  previousVersion: string | null;
  sha: string | null;
  compareUrl: string | null;
  actor: string | null;
  url: string | null;
  /** What a backend needs to roll back *to* this deploy (Argo CD history id, k8s revision, …). */
  rollbackHandle: Record<string, string> | null;
  isRollback: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  commitAt: Date | null;
  /** The deploy's position in time: finishedAt ?? startedAt ?? receivedAt. */
  at: Date;
  receivedAt: Date;
  updatedAt: Date;
}

export interface Rollback {
  id: number;
  incidentId: number | null;
  service: string;
  environment: string;
  fromDeployId: number | null;
  toDeployId: number;
  backend: string;
  /** incident:service:environment:target; a failed attempt frees the key so the button can retry. */
  idempotencyKey: string;
  status: RollbackStatus;
  requestedBy: string;
  externalUrl: string | null;
  output: string | null;
  error: string | null;
  threadTs: string | null;
  /** Where progress goes when no incident is linked (`/deploy rollback` outside an incident). */
  channelId: string | null;
  /** What the backend needs to follow a rollback it started (a run id, an Argo CD app…). */
  operation: Record<string, unknown> | null;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A deploy linked to an incident as a suspect, with the verdict people gave it. */
export interface SuspectLink {
  incidentId: number;
  deployId: number;
  rank: number;
  verdict: SuspectVerdict;
  verdictBy: string | null;
  verdictAt: Date | null;
}
