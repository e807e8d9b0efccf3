import type { Deploy, Rollback } from '../domain/deploy.js';
import { blockingFreezes, type Freeze } from '../domain/freeze.js';
import type { Incident } from '../domain/incident.js';
import type { TimelineInput } from '../domain/timeline.js';
import { AppError } from '../errors.js';
import type { Actor } from '../incidents/events.js';
import { describeScope } from './freezes.js';
import { denial, mayChangeDeploys } from './permissions.js';
import {
  type BackendFacts,
  noBackendReason,
  noEarlierDeploy,
  noticeTarget,
  type RollbackPolicy,
  type RollbackWrites,
  rollbackEntry,
  rollbackLane,
  rollbackThread,
} from './rollback-values.js';

// Pure decisions for asking for a rollback (and for showing what one would do): plain values
// in (what the shell read, the ask, the policy, `now`), a decision value out. Refusals are
// returned, not thrown, because one of them (permission denied) still writes its audit entry,
// which the shell must commit before it throws the error.

export interface RollbackPlan {
  service: string;
  environment: string;
  from: Deploy | null;
  to: Deploy | null;
  /** Why there is nothing to roll back to, or no way to do it; null when the plan can run. */
  problem: string | null;
  backend: string | null;
  /** The last attempt of this very rollback, when it failed: running it again is a retry of that. */
  lastFailed: { id: number; error: string | null } | null;
}

/** What `/deploy rollback <service> [env]` would do: latest deploy → the one before it. */
export function decidePlan(state: {
  service: string;
  environment: string;
  /** The latest deploy of the service+environment. */
  from: Deploy | null;
  /** Its rollback target (the suspects' rule). */
  to: Deploy | null;
  backend: Pick<BackendFacts, 'label'> | null;
  /** The last attempt of this very rollback (same incident, target). */
  last: Rollback | null;
}): RollbackPlan {
  const { service, environment, from, to, backend, last } = state;
  const problem = !from
    ? `No deploys of ${service} to ${environment} are known yet.`
    : !to
      ? noEarlierDeploy(service, environment)
      : !backend
        ? noBackendReason(service, environment)
        : null;
  return {
    service,
    environment,
    from,
    to,
    problem,
    backend: backend?.label ?? null,
    lastFailed: last?.status === 'failed' ? { id: last.id, error: last.error } : null,
  };
}

export interface RollbackAsk {
  incidentId: number | null;
  /** The suspect deploy (or the latest one, for `/deploy rollback`). */
  fromDeployId: number | null;
  /** The target the person confirmed; refused when it is no longer the right one. */
  toDeployId: number;
  /** Where to report progress when no incident is linked. */
  channelId?: string | null;
  /** The failed attempt this one retries: set only by buttons shown after that failure. */
  retryOf?: number | null;
}

/** Everything a request is decided on, as the shell read it in one unit of work. */
export interface RequestState<B extends BackendFacts = BackendFacts> {
  /** The confirmed target; null: no such deploy. */
  to: Deploy | null;
  /** The deploy rolled back from (the ask's, else the latest of the target's service). */
  from: Deploy | null;
  /** The linked incident; null when none was asked for or it does not exist. */
  incident: Incident | null;
  /** A rollback with the same key that runs or succeeded: the same click again. */
  live: Rollback | null;
  /** The newest attempt with the same key, whatever its outcome. */
  last: Rollback | null;
  /** The rollback target of `from` now (the suspects' rule). */
  expected: Deploy | null;
  backend: B | null;
  /** Active freezes (not yet filtered by scope). */
  freezes: readonly Freeze[];
  /** The rollback under way for this service+environment, if any. */
  active: Rollback | null;
}

export type RequestDecision<B extends BackendFacts = BackendFacts> =
  /** Throw `error` after committing `audit` (when there is one). */
  | { kind: 'refused'; error: AppError; audit: TimelineInput | null }
  /** The same ask again: hand back the rollback it already started (or finished). */
  | { kind: 'same'; rollback: Rollback }
  /** Insert this rollback, then write `requested(inserted, …)`. */
  | {
      kind: 'insert';
      values: {
        incidentId: number | null;
        service: string;
        environment: string;
        fromDeployId: number;
        toDeployId: number;
        backend: string;
        idempotencyKey: string;
        requestedBy: string;
        channelId: string | null;
        requestedAt: Date;
      };
      from: Deploy;
      to: Deploy;
      /** The backend it was checked against: the shell validates the request with it. */
      backend: B;
    };

const refused = (error: AppError, audit: TimelineInput | null = null) => ({
  kind: 'refused' as const,
  error,
  audit,
});

function frozenError(frozen: readonly Freeze[], service: string, environment: string) {
  const f = frozen[0] as Freeze;
  return new AppError(
    'frozen',
    `Rollbacks of ${service} in ${environment} are frozen (#${f.id} ${describeScope(f)}: ${f.reason}) until ${f.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  );
}

/**
 * Asks for a rollback. The same ask twice (a double click, two people) is `same`; a different
 * one while one runs, a stale target, a missing backend or a freeze is refused. `key` is
 * rollbackKey(ask.incidentId, to.service, to.environment, to.id), which the shell read by.
 */
export function decideRequest<B extends BackendFacts>(
  state: RequestState<B>,
  ask: RollbackAsk,
  actor: Actor,
  key: string,
  policy: RollbackPolicy,
  now: Date,
): RequestDecision<B> {
  const { to, from, incident } = state;
  if (!to) return refused(new AppError('not_found', `There is no deploy #${ask.toDeployId}.`));
  if (!from || from.service !== to.service || from.environment !== to.environment)
    return refused(
      new AppError('invalid', 'That rollback does not match a deploy of the same service.'),
    );
  if (ask.incidentId !== null && !incident)
    return refused(new AppError('not_found', `There is no incident INC-${ask.incidentId}.`));
  const { service, environment } = to;

  if (!mayChangeDeploys(actor, policy.deployers, incident?.ownerId ?? null)) {
    const { audit, error } = denial(
      {
        actor,
        incidentId: incident?.id ?? null,
        ownerId: incident?.ownerId ?? null,
        action: `roll back ${service} in ${environment}`,
        at: now,
      },
      { service, environment, fromDeployId: from.id, toDeployId: to.id },
    );
    return refused(error, audit);
  }

  if (state.live) return { kind: 'same', rollback: state.live };
  // After a failure only a deliberate retry starts it again: a button rendered before the
  // failure (a stale card, a double click that raced a crash) must not re-run a rollback
  // that may already have run.
  const previous = state.last;
  if (previous?.status === 'failed' && ask.retryOf !== previous.id) {
    return refused(
      new AppError(
        'conflict',
        `Rollback #${previous.id} of ${service} in ${environment} failed: ${previous.error ?? 'no reason given'} To try again, use Retry on its message or on the incident card.`,
      ),
    );
  }

  const expected = state.expected;
  if (!expected) return refused(new AppError('invalid', noEarlierDeploy(service, environment)));
  if (expected.id !== to.id) {
    return refused(
      new AppError(
        'conflict',
        `The rollback target of ${from.version} is now ${expected.version}, not ${to.version}; look at the latest card and try again.`,
      ),
    );
  }
  const backend = state.backend;
  if (!backend) return refused(new AppError('invalid', noBackendReason(service, environment)));
  const frozen = blockingFreezes(
    state.freezes,
    { service, environment, rollback: policy.rollbacksExempt },
    now,
  );
  if (frozen.length > 0) return refused(frozenError(frozen, service, environment));

  const active = state.active;
  if (active) {
    return refused(
      new AppError(
        'conflict',
        `A rollback of ${service} in ${environment} is already under way (#${active.id}, by <@${active.requestedBy}>). One at a time.`,
        { mentions: [active.requestedBy] },
      ),
    );
  }
  return {
    kind: 'insert',
    values: {
      incidentId: incident?.id ?? null,
      service,
      environment,
      fromDeployId: from.id,
      toDeployId: to.id,
      backend: backend.kind,
      idempotencyKey: key,
      requestedBy: actor.id,
      channelId: incident ? null : (ask.channelId ?? null),
      requestedAt: now,
    },
    from,
    to,
    backend,
  };
}

/** What a new rollback writes once its row exists: the entry, the thread, its first step. */
export function requested(
  row: Rollback,
  from: Deploy,
  to: Deploy,
  backend: Pick<BackendFacts, 'kind' | 'label'>,
  at: Date,
): RollbackWrites {
  return {
    timeline: [
      rollbackEntry(row, 'rollback_requested', row.requestedBy, at, {
        from: from.version,
        to: to.version,
        fromDeployId: from.id,
        toDeployId: to.id,
        backend: backend.kind,
      }),
    ],
    notices: [
      {
        to: { ...noticeTarget(row), remember: rollbackThread(row.id) },
        notice: {
          type: 'rollback_requested',
          rollbackId: row.id,
          by: row.requestedBy,
          service: row.service,
          environment: row.environment,
          from: from.version,
          to: to.version,
          backend: backend.label,
        },
      },
    ],
    steps: [{ lane: rollbackLane(row.service, row.environment), payload: { rollbackId: row.id } }],
    publish: row.incidentId,
  };
}
