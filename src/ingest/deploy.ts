import { z } from 'zod';
import { optionalTime } from './alert.js';

export const DEPLOY_SOURCES = ['github', 'argocd', 'generic'] as const;
export type DeploySource = (typeof DEPLOY_SOURCES)[number];
export type DeployStatus = 'started' | 'succeeded' | 'failed';

/** The single shape every deploy source maps to. */
export interface NormalizedDeploy {
  source: DeploySource;
  /** Identity of the deploy in its source; later statuses of the same deploy carry the same id. */
  sourceId: string;
  /**
   * Names the sender knows the service by, best first (a label, the app, the repository…).
   * The core takes the first one the catalog knows, else the first one, marked unmapped.
   */
  serviceNames: string[];
  environment: string | null;
  status: DeployStatus;
  version: string;
  previousVersion: string | null;
  sha: string | null;
  compareUrl: string | null;
  /** A GitHub-style repository URL; with two known SHAs it gives a compare link. */
  repositoryUrl?: string | null;
  actor: string | null;
  url: string | null;
  /** What a backend needs to roll back *to* this deploy (Argo CD history id, a revision…). */
  rollbackHandle: Record<string, string> | null;
  /** The sender says this deploy is itself a rollback. */
  isRollback: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  commitAt: Date | null;
}

const text = (max: number) => z.string().trim().min(1).max(max);
const SHA = /^[0-9a-f]{7,64}$/i;

/** A flat map of short strings: numbers are accepted and kept as their decimal text. */
export const handleMap = z
  .record(z.string().max(64), z.union([z.string().max(500), z.number()]))
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 keys')
  .transform((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])));

const STATUS: Record<string, DeployStatus> = {
  started: 'started',
  running: 'started',
  in_progress: 'started',
  succeeded: 'succeeded',
  success: 'succeeded',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
};

/** The documented generic deploy event (README "Deploy events"). Unknown fields are ignored. */
export const GenericDeploy = z.object({
  id: text(255),
  service: text(200),
  environment: text(100),
  status: z
    .string()
    .trim()
    .toLowerCase()
    .refine((s) => s in STATUS, 'must be started, succeeded or failed')
    .transform((s) => STATUS[s] as DeployStatus),
  version: text(200),
  previousVersion: text(200).nullish(),
  sha: z.string().trim().regex(SHA, 'must be a hex commit SHA').nullish(),
  compareUrl: z.url().max(2000).nullish(),
  actor: text(200).nullish(),
  url: z.url().max(2000).nullish(),
  startedAt: optionalTime,
  finishedAt: optionalTime,
  commitTimestamp: optionalTime,
  isRollback: z.boolean().default(false),
  rollback: handleMap.nullish(),
});

export function genericToDeploy(body: unknown): NormalizedDeploy {
  const d = GenericDeploy.parse(body);
  return {
    source: 'generic',
    sourceId: d.id,
    serviceNames: [d.service],
    environment: d.environment,
    status: d.status,
    version: d.version,
    previousVersion: d.previousVersion ?? null,
    sha: d.sha?.toLowerCase() ?? null,
    compareUrl: d.compareUrl ?? null,
    actor: d.actor ?? null,
    url: d.url ?? null,
    rollbackHandle: d.rollback ?? null,
    isRollback: d.isRollback,
    startedAt: d.startedAt,
    finishedAt: d.finishedAt,
    commitAt: d.commitTimestamp,
  };
}
