import { z } from 'zod';
import type { Deploy, Rollback } from '../domain/deploy.js';
import type { Freeze } from '../domain/freeze.js';
import { type Incident, incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { Actor } from '../incidents/events.js';
import { defineEffect } from '../outbox/effects.js';
import { findDeploy, insertDeployOnce, latestDeploy } from '../store/deploys.js';
import { getIncident } from '../store/incidents.js';
import {
  activeRollbackOf,
  findRollback,
  finishRollback,
  insertRollback,
  lastRollbackAttempt,
  liveRollbackByKey,
  markRollbackRunning,
  recentRollbacks,
  setRollbackOperation,
} from '../store/rollbacks.js';
import type { Db, DbOrTx, Tx } from '../store/sqlite.js';
import { record, type TimelineKind } from '../timeline/timeline.js';
import type {
  BackendResolver,
  DeployTarget,
  RollbackProgress,
  RollbackRequest,
} from './backend.js';
import { describeScope, type Freezes } from './freezes.js';
import { enqueueNotice, freezeFacts } from './notices.js';
import { mayChangeDeploys, refuse } from './permissions.js';
import { rollbackTarget } from './suspects.js';

/** One step of a rollback (start it, or ask how it is going); carried out by `step` below. */
export const rollbackStepEffect = defineEffect({
  kind: 'deploy.rollback',
  payload: z.object({ rollbackId: z.number() }),
});
export const rollbackLane = (service: string, environment: string) =>
  `deploy:${service}:${environment}`;
export const rollbackThread = (rollbackId: number) => `rollback:${rollbackId}`;

export interface RollbackPolicy {
  deployers: readonly string[];
  /** Freezes do not block rollbacks unless they say so (deploys.rollbacksExempt). */
  rollbacksExempt: boolean;
  /** Freeze the service+environment for this long after a successful rollback; null: don't. */
  freezeAfterMs: number | null;
  /** The bot's public base URL, for asynchronous receivers to report back; null: none. */
  publicUrl: string | null;
}

export interface RollbackDeps {
  db: Db;
  now: () => Date;
  kick: () => void;
  backendFor: BackendResolver;
  freezes: Freezes;
  policy: RollbackPolicy;
}

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

/** One rollback decision: this incident (or none), this service and environment, this target. */
const rollbackKey = (
  incidentId: number | null,
  service: string,
  environment: string,
  toDeployId: number,
) => `${incidentId ?? 'none'}:${service}:${environment}:${toDeployId}`;

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

const OUTPUT_MAX = 4000;
const clip = (text: string | null | undefined, max = OUTPUT_MAX): string | null =>
  text ? (text.length > max ? `…${text.slice(text.length - max + 1)}` : text) : null;
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

function target(row: Deploy): DeployTarget {
  return {
    deployId: row.id,
    version: row.version,
    sha: row.sha,
    handle: row.rollbackHandle ?? {},
    url: row.url,
  };
}

/**
 * One-click rollback: checks, records the request with its outbox item in one transaction,
 * then the outbox worker drives the backend (`step`) and reports progress in a thread.
 */
export function createRollbacks(deps: RollbackDeps) {
  const { db, now, policy } = deps;

  /** What `/deploy rollback <service> [env]` would do: latest deploy → the one before it. */
  function plan(
    service: string,
    environment: string,
    incidentId: number | null = null,
  ): RollbackPlan {
    const from = latestDeploy(db, service, environment) ?? null;
    const to = from ? (rollbackTarget(db, from) ?? null) : null;
    const backend = deps.backendFor(service, environment);
    const problem = !from
      ? `No deploys of ${service} to ${environment} are known yet.`
      : !to
        ? `There is no earlier successful deploy of ${service} in ${environment} to roll back to.`
        : !backend
          ? noBackend(service, environment)
          : null;
    const last = to ? lastAttempt(rollbackKey(incidentId, service, environment, to.id)) : undefined;
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

  const lastAttempt = (key: string) => lastRollbackAttempt(db, key);

  const noBackend = (service: string, environment: string) =>
    `No rollback backend is configured for ${service} in ${environment} (services.${service}.environments.${environment}.rollback in firebreak.yaml).`;

  function requestFor(row: Rollback, from: Deploy | undefined, to: Deploy): RollbackRequest {
    return {
      rollbackId: row.id,
      idempotencyKey: row.idempotencyKey,
      service: row.service,
      environment: row.environment,
      incidentId: row.incidentId,
      requestedBy: row.requestedBy,
      from: from ? target(from) : null,
      to: target(to),
      callbackUrl: policy.publicUrl
        ? `${policy.publicUrl.replace(/\/+$/, '')}/webhooks/rollbacks/${row.id}`
        : null,
    };
  }

  function log(
    tx: DbOrTx,
    row: Rollback,
    kind: TimelineKind,
    actor: string,
    at: Date,
    payload: Record<string, unknown>,
  ) {
    record(
      tx,
      {
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
      },
      at,
    );
  }

  const where = (row: Rollback) => ({ incidentId: row.incidentId, channelId: row.channelId });

  /**
   * Asks for a rollback. The same ask twice (a double click, two people) returns the rollback
   * already under way (`created: false`); a different one while one runs is refused.
   */
  function request(ask: RollbackAsk, actor: Actor): { rollback: Rollback; created: boolean } {
    const to = findDeploy(db, ask.toDeployId);
    if (!to) throw new AppError('not_found', `There is no deploy #${ask.toDeployId}.`);
    const from =
      ask.fromDeployId === null
        ? latestDeploy(db, to.service, to.environment)
        : findDeploy(db, ask.fromDeployId);
    if (!from || from.service !== to.service || from.environment !== to.environment)
      throw new AppError('invalid', 'That rollback does not match a deploy of the same service.');
    const incident: Incident | null =
      ask.incidentId === null ? null : getIncident(db, ask.incidentId);
    const { service, environment } = to;
    const at = now();

    if (!mayChangeDeploys(actor, policy.deployers, incident?.ownerId ?? null)) {
      refuse(
        db,
        {
          actor,
          incidentId: incident?.id ?? null,
          ownerId: incident?.ownerId ?? null,
          action: `roll back ${service} in ${environment}`,
          at,
        },
        { service, environment, fromDeployId: from.id, toDeployId: to.id },
      );
    }

    // The same click again: hand back the rollback it already started (or finished).
    const key = rollbackKey(incident?.id ?? null, service, environment, to.id);
    const same = liveRollbackByKey(db, key);
    if (same) return { rollback: same, created: false };
    // After a failure only a deliberate retry starts it again: a button rendered before the
    // failure (a stale card, a double click that raced a crash) must not re-run a rollback
    // that may already have run.
    const previous = lastAttempt(key);
    if (previous?.status === 'failed' && ask.retryOf !== previous.id) {
      throw new AppError(
        'conflict',
        `Rollback #${previous.id} of ${service} in ${environment} failed: ${previous.error ?? 'no reason given'} To try again, use Retry on its message or on the incident card.`,
      );
    }

    const expected = rollbackTarget(db, from);
    if (!expected)
      throw new AppError(
        'invalid',
        `There is no earlier successful deploy of ${service} in ${environment} to roll back to.`,
      );
    if (expected.id !== to.id) {
      throw new AppError(
        'conflict',
        `The rollback target of ${from.version} is now ${expected.version}, not ${to.version}; look at the latest card and try again.`,
      );
    }
    const backend = deps.backendFor(service, environment);
    if (!backend) throw new AppError('invalid', noBackend(service, environment));
    const frozen = deps.freezes.blocking(db, {
      service,
      environment,
      rollback: policy.rollbacksExempt,
    });
    if (frozen.length > 0) throw frozenError(frozen, service, environment);

    const row = db.transaction((tx) => {
      const active = activeRollbackOf(tx, service, environment);
      if (active) {
        throw new AppError(
          'conflict',
          `A rollback of ${service} in ${environment} is already under way (#${active.id}, by <@${active.requestedBy}>). One at a time.`,
          { mentions: [active.requestedBy] },
        );
      }
      const inserted = insertRollback(tx, {
        incidentId: incident?.id ?? null,
        service,
        environment,
        fromDeployId: from.id,
        toDeployId: to.id,
        backend: backend.kind,
        idempotencyKey: key,
        requestedBy: actor.id,
        channelId: incident ? null : (ask.channelId ?? null),
        requestedAt: at,
      });
      // Checked before anything is recorded or run: a bad template value is refused outright.
      backend.validate(requestFor(inserted, from, to));
      log(tx, inserted, 'rollback_requested', actor.id, at, {
        from: from.version,
        to: to.version,
        fromDeployId: from.id,
        toDeployId: to.id,
        backend: backend.kind,
      });
      enqueueNotice(
        tx,
        { ...where(inserted), remember: rollbackThread(inserted.id) },
        {
          type: 'rollback_requested',
          rollbackId: inserted.id,
          by: actor.id,
          service,
          environment,
          from: from.version,
          to: to.version,
          backend: backend.label,
        },
        at,
      );
      rollbackStepEffect.enqueue(
        tx,
        {
          lane: rollbackLane(service, environment),
          payload: { rollbackId: inserted.id },
        },
        at,
      );
      if (inserted.incidentId !== null) enqueuePublish(tx, inserted.incidentId, at);
      return inserted;
    });
    deps.kick();
    return { rollback: row, created: true };
  }

  function frozenError(frozen: readonly Freeze[], service: string, environment: string) {
    const f = frozen[0] as Freeze;
    return new AppError(
      'frozen',
      `Rollbacks of ${service} in ${environment} are frozen (#${f.id} ${describeScope(f)}: ${f.reason}) until ${f.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    );
  }

  /** Runs the backend and turns anything it throws into a failed result with the reason. */
  async function attempt(fn: () => Promise<RollbackProgress>): Promise<RollbackProgress> {
    try {
      return await fn();
    } catch (error) {
      return { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * The outbox handler: one step of one rollback. Starts it, or asks the backend how it is
   * going; while it runs, schedules the next step in the same lane.
   */
  async function step(rollbackId: number): Promise<void> {
    const row = findRollback(db, rollbackId);
    if (!row || row.status === 'succeeded' || row.status === 'failed') return;
    const to = findDeploy(db, row.toDeployId);
    const from = row.fromDeployId === null ? undefined : findDeploy(db, row.fromDeployId);
    const backend = deps.backendFor(row.service, row.environment);
    if (!to || !backend) {
      finish(rollbackId, {
        status: 'failed',
        reason: to ? noBackend(row.service, row.environment) : 'The target deploy is gone.',
      });
      return;
    }
    const req = requestFor(row, from, to);
    let progress: RollbackProgress;
    if (row.status === 'requested') {
      const at = now();
      db.transaction((tx) => {
        markRollbackRunning(tx, row.id, at);
        log(tx, row, 'rollback_started', 'firebreak', at, { backend: backend.kind });
      });
      progress = await attempt(() => backend.start(req));
    } else if (row.operation === null) {
      // We stopped after marking it running but before the backend's answer was stored.
      progress = backend.idempotentStart
        ? await attempt(() => backend.start(req))
        : {
            status: 'failed',
            reason: `firebreak stopped while starting this rollback, so it may or may not have started in ${backend.label}. Check there before retrying.`,
          };
    } else if (now().getTime() - (row.startedAt ?? row.requestedAt).getTime() > backend.waitForMs) {
      progress = {
        status: 'failed',
        reason: `${backend.label} did not report a result within ${minutes(backend.waitForMs)}.`,
      };
    } else {
      progress = await attempt(() => backend.poll(req, row.operation ?? {}));
    }

    if (progress.status !== 'running') {
      finish(rollbackId, progress);
      return;
    }
    const at = now();
    const first = row.operation === null;
    db.transaction((tx) => {
      const current = findRollback(tx, rollbackId);
      // A callback may have finished it meanwhile.
      if (current?.status !== 'running') return;
      setRollbackOperation(tx, rollbackId, {
        operation: progress.operation,
        externalUrl: progress.url ?? current.externalUrl,
      });
      if (first) {
        enqueueNotice(
          tx,
          { ...where(current), threadKey: rollbackThread(rollbackId) },
          {
            type: 'rollback_started',
            rollbackId,
            detail: progress.detail ?? null,
            url: progress.url ?? null,
          },
          at,
        );
      }
      rollbackStepEffect.enqueue(
        tx,
        {
          lane: rollbackLane(current.service, current.environment),
          payload: { rollbackId },
          delayMs: backend.pollIntervalMs,
        },
        at,
      );
    });
    deps.kick();
  }

  /** Records the outcome once (a late callback or poll after it changes nothing) and reports it. */
  function finish(
    rollbackId: number,
    progress: Exclude<RollbackProgress, { status: 'running' }>,
  ): boolean {
    const at = now();
    const done = db.transaction((tx) => {
      const row = findRollback(tx, rollbackId);
      if (!row || row.status === 'succeeded' || row.status === 'failed') return false;
      const to = findDeploy(tx, row.toDeployId) as Deploy;
      const ok = progress.status === 'succeeded';
      finishRollback(tx, rollbackId, {
        status: progress.status,
        finishedAt: at,
        startedAt: row.startedAt ?? at,
        externalUrl: progress.url ?? row.externalUrl,
        output: clip(progress.output),
        error: ok ? null : clip(progress.reason, 2000),
      });
      log(tx, row, ok ? 'rollback_succeeded' : 'rollback_failed', 'firebreak', at, {
        to: to.version,
        url: progress.url ?? row.externalUrl,
        ...(ok ? {} : { reason: progress.reason }),
      });
      if (ok) succeeded(tx, { ...row, finishedAt: at }, to, progress, at);
      else {
        enqueueNotice(
          tx,
          { ...where(row), threadKey: rollbackThread(rollbackId), broadcast: true },
          {
            type: 'rollback_failed',
            rollbackId,
            service: row.service,
            environment: row.environment,
            to: to.version,
            reason: progress.reason,
            url: progress.url ?? row.externalUrl,
            output: clip(progress.output, 1500),
            retry: {
              incidentId: row.incidentId,
              deployId: row.fromDeployId,
              toDeployId: row.toDeployId,
              retryOf: row.id,
            },
          },
          at,
        );
      }
      if (row.incidentId !== null) enqueuePublish(tx, row.incidentId, at);
      return true;
    });
    deps.kick();
    return done;
  }

  function succeeded(
    tx: Tx,
    row: Rollback,
    to: Deploy,
    progress: Extract<RollbackProgress, { status: 'succeeded' }>,
    at: Date,
  ) {
    // What now runs is the target version again: a deploy of its own, so the next rollback
    // and `/deploy list` know (the backend may or may not send a deploy event for it too).
    insertDeployOnce(tx, {
      source: 'firebreak',
      dedupeKey: `firebreak:rollback:${row.id}`,
      service: row.service,
      serviceKnown: to.serviceKnown,
      environment: row.environment,
      status: 'succeeded',
      version: to.version,
      previousVersion:
        row.fromDeployId === null ? null : (findDeploy(tx, row.fromDeployId)?.version ?? null),
      sha: to.sha,
      compareUrl: null,
      actor: row.requestedBy,
      url: progress.url ?? row.externalUrl,
      rollbackHandle: to.rollbackHandle,
      isRollback: true,
      startedAt: row.startedAt,
      finishedAt: at,
      commitAt: null,
      at,
      receivedAt: at,
      updatedAt: at,
    });
    // Shipit's precedent: after a rollback, hold deploys until someone ships the fix on purpose.
    let freeze: Freeze | null = null;
    if (policy.freezeAfterMs !== null) {
      const alreadyFrozen =
        deps.freezes.blocking(tx, { service: row.service, environment: row.environment }).length >
        0;
      if (!alreadyFrozen) {
        freeze = deps.freezes.insert(
          tx,
          {
            services: [row.service],
            environments: [row.environment],
            durationMs: policy.freezeAfterMs,
            reason: `Rolled back to ${to.version}${row.incidentId ? ` for ${incidentRef(row.incidentId)}` : ''}; deploy the fix on purpose.`,
            incidentId: row.incidentId,
            channelId: row.channelId,
          },
          { id: 'firebreak', source: 'firebreak' },
          at,
        );
      }
    }
    const incident = row.incidentId === null ? null : getIncident(tx, row.incidentId);
    enqueueNotice(
      tx,
      { ...where(row), threadKey: rollbackThread(row.id), broadcast: true },
      {
        type: 'rollback_succeeded',
        rollbackId: row.id,
        service: row.service,
        environment: row.environment,
        to: to.version,
        url: progress.url ?? row.externalUrl,
        output: clip(progress.output, 1500),
        detail: progress.detail ?? null,
        mitigate:
          incident && !incident.mitigatedAt && incident.state !== 'resolved' ? incident.id : null,
        freeze: freeze ? freezeFacts(freeze) : null,
      },
      at,
    );
  }

  /** A receiver's callback (webhook backend): only a running rollback can be finished by it. */
  function report(
    rollbackId: number,
    progress: Exclude<RollbackProgress, { status: 'running' }>,
  ): boolean {
    const row = findRollback(db, rollbackId);
    if (!row) throw new AppError('not_found', `There is no rollback #${rollbackId}.`);
    return finish(rollbackId, progress);
  }

  /** Rollbacks under way or recent, for `/deploy status`. */
  function recent(service?: string, limit = 5): Rollback[] {
    return recentRollbacks(db, service, limit);
  }

  return {
    plan,
    request,
    step,
    report,
    recent,
    find: (id: number) => findRollback(db, id),
    /** The outbox handler of rollbackStepEffect. */
    effects: [rollbackStepEffect.handledBy(({ rollbackId }) => step(rollbackId))],
  };
}

export type Rollbacks = ReturnType<typeof createRollbacks>;
