import type { Deploy, Rollback } from '../domain/deploy.js';
import type { TimelineInput } from '../domain/timeline.js';
import type { RollbackProgress } from './backend.js';
import {
  type BackendFacts,
  minutes,
  noBackendReason,
  noticeTarget,
  type RollbackWrites,
  rollbackEntry,
  rollbackLane,
  rollbackThread,
} from './rollback-values.js';

// Pure decisions for one step of a rollback in the outbox: what to ask the backend before the
// call, and what to write after it answers "still running". The outcome itself is finish's.

export type StepDecision =
  /** Unknown, or already finished: nothing to do. */
  | { kind: 'none' }
  /** Record this failure without calling the backend. */
  | { kind: 'fail'; reason: string }
  /**
   * Call backend.start. `running` is set on the first step: mark the rollback running (at
   * `running.at`) and record this entry, committed before the call, so that a crash during the
   * call is seen by the next step as "may have started".
   */
  | { kind: 'start'; running: { at: Date; entry: TimelineInput } | null }
  /** Call backend.poll with this operation. */
  | { kind: 'poll'; operation: Record<string, unknown> };

/** Before the backend call: start it, resend the start after a crash, give up, or poll. */
export function decideStep(
  state: { row: Rollback | null; to: Deploy | null; backend: BackendFacts | null },
  now: Date,
): StepDecision {
  const { row, to, backend } = state;
  if (!row || row.status === 'succeeded' || row.status === 'failed') return { kind: 'none' };
  if (!to) return { kind: 'fail', reason: 'The target deploy is gone.' };
  if (!backend) return { kind: 'fail', reason: noBackendReason(row.service, row.environment) };
  if (row.status === 'requested') {
    return {
      kind: 'start',
      running: {
        at: now,
        entry: rollbackEntry(row, 'rollback_started', 'firebreak', now, { backend: backend.kind }),
      },
    };
  }
  if (row.operation === null) {
    // We stopped after marking it running but before the backend's answer was stored.
    return backend.idempotentStart
      ? { kind: 'start', running: null }
      : {
          kind: 'fail',
          reason: `firebreak stopped while starting this rollback, so it may or may not have started in ${backend.label}. Check there before retrying.`,
        };
  }
  if (now.getTime() - (row.startedAt ?? row.requestedAt).getTime() > backend.waitForMs) {
    return {
      kind: 'fail',
      reason: `${backend.label} did not report a result within ${minutes(backend.waitForMs)}.`,
    };
  }
  return { kind: 'poll', operation: row.operation };
}

export type RunningDecision =
  /** A callback finished it meanwhile: write nothing. */
  | { kind: 'none' }
  /** Store what the backend gave to follow it, then `writes` (next poll, first-time notice). */
  | {
      kind: 'running';
      operation: Record<string, unknown>;
      externalUrl: string | null;
      writes: RollbackWrites;
    };

/**
 * After the backend answered "running". `current` is the row read again after the call;
 * `first` says the step began with no operation stored (so it is announced as started once).
 */
export function decideRunning(
  current: Rollback | null,
  progress: Extract<RollbackProgress, { status: 'running' }>,
  first: boolean,
  backend: Pick<BackendFacts, 'pollIntervalMs'>,
): RunningDecision {
  // A callback may have finished it meanwhile.
  if (current?.status !== 'running') return { kind: 'none' };
  return {
    kind: 'running',
    operation: progress.operation,
    externalUrl: progress.url ?? current.externalUrl,
    writes: {
      timeline: [],
      notices: first
        ? [
            {
              to: { ...noticeTarget(current), threadKey: rollbackThread(current.id) },
              notice: {
                type: 'rollback_started',
                rollbackId: current.id,
                detail: progress.detail ?? null,
                url: progress.url ?? null,
              },
            },
          ]
        : [],
      steps: [
        {
          lane: rollbackLane(current.service, current.environment),
          payload: { rollbackId: current.id },
          delayMs: backend.pollIntervalMs,
        },
      ],
      publish: null,
    },
  };
}
