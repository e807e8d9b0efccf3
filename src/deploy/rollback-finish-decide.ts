import type { Deploy, Rollback } from '../domain/deploy.js';
import { blockingFreezes, type FreezeWindow } from '../domain/freeze.js';
import { type Incident, incidentRef } from '../domain/incident.js';
import type { TimelineInput } from '../domain/timeline.js';
import type { RollbackProgress } from './backend.js';
import type { FreezeInput } from './freezes.js';
import type { DeployNotice, NoticeTarget } from './notices.js';
import {
  clip,
  noticeTarget,
  type RollbackPolicy,
  rollbackEntry,
  rollbackThread,
} from './rollback-values.js';

// The pure decision for a rollback's outcome, whether a poll, a failed start or a receiver's
// callback brought it: recorded once (a late callback or poll after it changes nothing).

export type Outcome = Exclude<RollbackProgress, { status: 'running' }>;

/** What finishing reads, in the unit of work that records the outcome. */
export interface FinishState {
  row: Rollback | null;
  /** The target deploy (deploys are never deleted; null only defensively). */
  to: Deploy | null;
  /** The deploy rolled back from, for the new deploy's previous version. */
  from: Deploy | null;
  /** The linked incident, to offer Mark mitigated. */
  incident: Incident | null;
  /** Active freezes (not yet filtered by scope), so a freeze is not doubled. */
  freezes: readonly FreezeWindow[];
}

type SucceededNotice = Extract<DeployNotice, { type: 'rollback_succeeded' }>;
type FailedNotice = Extract<DeployNotice, { type: 'rollback_failed' }>;

export type FinishDecision =
  /** No such rollback. */
  | { kind: 'unknown' }
  /** Already succeeded or failed: the first outcome stands. */
  | { kind: 'already' }
  | {
      kind: 'finish';
      outcome: {
        status: Outcome['status'];
        finishedAt: Date;
        startedAt: Date;
        externalUrl: string | null;
        output: string | null;
        error: string | null;
      };
      entry: TimelineInput;
      /** On success: what now runs is the target version again, a deploy of its own. */
      deploy: {
        source: 'firebreak';
        dedupeKey: string;
        service: string;
        serviceKnown: boolean;
        environment: string;
        status: 'succeeded';
        version: string;
        previousVersion: string | null;
        sha: string | null;
        compareUrl: null;
        actor: string;
        url: string | null;
        rollbackHandle: Record<string, string> | null;
        isRollback: true;
        startedAt: Date | null;
        finishedAt: Date;
        commitAt: null;
        at: Date;
        receivedAt: Date;
        updatedAt: Date;
      } | null;
      /** On success, unless frozen already: hold deploys until the fix ships on purpose. */
      freeze: FreezeInput | null;
      /** The message; on success its `freeze` is filled in by the shell from the freeze it made. */
      notice: { to: NoticeTarget; notice: FailedNotice | Omit<SucceededNotice, 'freeze'> };
      publish: number | null;
    };

export function decideFinish(
  state: FinishState,
  progress: Outcome,
  policy: Pick<RollbackPolicy, 'freezeAfterMs'>,
  now: Date,
): FinishDecision {
  const { row, to, from, incident } = state;
  if (!row) return { kind: 'unknown' };
  if (row.status === 'succeeded' || row.status === 'failed') return { kind: 'already' };
  const ok = progress.status === 'succeeded';
  const version = to?.version ?? `deploy #${row.toDeployId}`;
  const url = progress.url ?? row.externalUrl;
  const outcome = {
    status: progress.status,
    finishedAt: now,
    startedAt: row.startedAt ?? now,
    externalUrl: url,
    output: clip(progress.output),
    error: ok ? null : clip(progress.reason, 2000),
  };
  const entry = rollbackEntry(
    row,
    ok ? 'rollback_succeeded' : 'rollback_failed',
    'firebreak',
    now,
    {
      to: version,
      url,
      ...(ok ? {} : { reason: progress.reason }),
    },
  );
  const thread = { ...noticeTarget(row), threadKey: rollbackThread(row.id), broadcast: true };

  if (progress.status === 'failed') {
    return {
      kind: 'finish',
      outcome,
      entry,
      deploy: null,
      freeze: null,
      notice: {
        to: thread,
        notice: {
          type: 'rollback_failed',
          rollbackId: row.id,
          service: row.service,
          environment: row.environment,
          to: version,
          reason: progress.reason,
          url,
          output: clip(progress.output, 1500),
          retry: {
            incidentId: row.incidentId,
            deployId: row.fromDeployId,
            toDeployId: row.toDeployId,
            retryOf: row.id,
          },
        },
      },
      publish: row.incidentId,
    };
  }

  // Shipit's precedent: after a rollback, hold deploys until someone ships the fix on purpose.
  const alreadyFrozen =
    blockingFreezes(state.freezes, { service: row.service, environment: row.environment }, now)
      .length > 0;
  const freeze: FreezeInput | null =
    policy.freezeAfterMs !== null && !alreadyFrozen
      ? {
          services: [row.service],
          environments: [row.environment],
          durationMs: policy.freezeAfterMs,
          reason: `Rolled back to ${version}${row.incidentId ? ` for ${incidentRef(row.incidentId)}` : ''}; deploy the fix on purpose.`,
          incidentId: row.incidentId,
          channelId: row.channelId,
        }
      : null;
  return {
    kind: 'finish',
    outcome,
    entry,
    // The backend may or may not send a deploy event for it too: the dedupe key keeps this one.
    deploy: to && {
      source: 'firebreak',
      dedupeKey: `firebreak:rollback:${row.id}`,
      service: row.service,
      serviceKnown: to.serviceKnown,
      environment: row.environment,
      status: 'succeeded',
      version: to.version,
      previousVersion: from?.version ?? null,
      sha: to.sha,
      compareUrl: null,
      actor: row.requestedBy,
      url,
      rollbackHandle: to.rollbackHandle,
      isRollback: true,
      startedAt: row.startedAt,
      finishedAt: now,
      commitAt: null,
      at: now,
      receivedAt: now,
      updatedAt: now,
    },
    freeze,
    notice: {
      to: thread,
      notice: {
        type: 'rollback_succeeded',
        rollbackId: row.id,
        service: row.service,
        environment: row.environment,
        to: version,
        url,
        output: clip(progress.output, 1500),
        detail: progress.detail ?? null,
        mitigate:
          incident && !incident.mitigatedAt && incident.state !== 'resolved' ? incident.id : null,
      },
    },
    publish: row.incidentId,
  };
}
