import type { Deploy, Rollback } from '../domain/deploy.js';
import type { TimelineInput, TimelineKind } from '../domain/timeline.js';
import type { DeployTarget, RollbackBackend, RollbackRequest } from './backend.js';
import type { DeployNotice, NoticeTarget } from './notices.js';

// The plain values every rollback decision is built from: its names (key, lane, thread), the
// request a backend receives, the timeline entries and the messages. No database, no clock.

export interface RollbackPolicy {
  deployers: readonly string[];
  /** Freezes do not block rollbacks unless they say so (deploys.rollbacksExempt). */
  rollbacksExempt: boolean;
  /** Freeze the service+environment for this long after a successful rollback; null: don't. */
  freezeAfterMs: number | null;
  /** The bot's public base URL, for asynchronous receivers to report back; null: none. */
  publicUrl: string | null;
}

/** What a decision needs to know of a backend: never its methods, which the shell calls. */
export type BackendFacts = Pick<
  RollbackBackend,
  'kind' | 'label' | 'waitForMs' | 'pollIntervalMs' | 'idempotentStart'
>;

/** One rollback decision: this incident (or none), this service and environment, this target. */
export const rollbackKey = (
  incidentId: number | null,
  service: string,
  environment: string,
  toDeployId: number,
) => `${incidentId ?? 'none'}:${service}:${environment}:${toDeployId}`;

export const rollbackLane = (service: string, environment: string) =>
  `deploy:${service}:${environment}`;
export const rollbackThread = (rollbackId: number) => `rollback:${rollbackId}`;

const OUTPUT_MAX = 4000;
export const clip = (text: string | null | undefined, max = OUTPUT_MAX): string | null =>
  text ? (text.length > max ? `…${text.slice(text.length - max + 1)}` : text) : null;
export const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

export const noBackendReason = (service: string, environment: string) =>
  `No rollback backend is configured for ${service} in ${environment} (services.${service}.environments.${environment}.rollback in firebreak.yaml).`;

export const noEarlierDeploy = (service: string, environment: string) =>
  `There is no earlier successful deploy of ${service} in ${environment} to roll back to.`;

function deployTarget(row: Deploy): DeployTarget {
  return {
    deployId: row.id,
    version: row.version,
    sha: row.sha,
    handle: row.rollbackHandle ?? {},
    url: row.url,
  };
}

/** The rollback as every backend receives it (validate, start, poll). */
export function rollbackRequest(
  row: Rollback,
  from: Deploy | null,
  to: Deploy,
  publicUrl: string | null,
): RollbackRequest {
  return {
    rollbackId: row.id,
    idempotencyKey: row.idempotencyKey,
    service: row.service,
    environment: row.environment,
    incidentId: row.incidentId,
    requestedBy: row.requestedBy,
    from: from ? deployTarget(from) : null,
    to: deployTarget(to),
    callbackUrl: publicUrl ? `${publicUrl.replace(/\/+$/, '')}/webhooks/rollbacks/${row.id}` : null,
  };
}

/** A timeline entry about a rollback: in its incident's record, else the audit stream. */
export function rollbackEntry(
  row: Rollback,
  kind: TimelineKind,
  actor: string,
  at: Date,
  payload: Record<string, unknown>,
): TimelineInput {
  return {
    incidentId: row.incidentId,
    kind,
    at,
    actor,
    source: actor === 'firebreak' ? 'firebreak' : 'slack',
    payload: {
      rollbackId: row.id,
      service: row.service,
      environment: row.environment,
      ...payload,
    },
  };
}

/** Where a rollback's messages go: its incident's channel, else the channel it was asked in. */
export const noticeTarget = (row: Rollback) => ({
  incidentId: row.incidentId,
  channelId: row.channelId,
});

/** The next step of a rollback in the outbox, in its service+environment's lane. */
export interface NextStep {
  lane: string;
  payload: { rollbackId: number };
  delayMs?: number;
}

/**
 * What a decision writes besides the rollback row, applied in this order by the shell:
 * timeline entries, messages, the next step, then the incident card's refresh.
 */
export interface RollbackWrites {
  timeline: TimelineInput[];
  notices: { to: NoticeTarget; notice: DeployNotice }[];
  steps: NextStep[];
  /** The incident whose card to republish; null: none. */
  publish: number | null;
}
