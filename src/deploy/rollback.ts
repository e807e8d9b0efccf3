import { z } from 'zod';
import type { Rollback } from '../domain/deploy.js';
import { AppError } from '../errors.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { Actor } from '../incidents/events.js';
import { defineEffect } from '../outbox/effects.js';
import { findDeploy, insertDeployOnce, latestDeploy } from '../store/deploys.js';
import { activeFreezes } from '../store/freezes.js';
import { findIncident } from '../store/incidents.js';
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
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import type { BackendResolver, RollbackProgress } from './backend.js';
import type { Freezes } from './freezes.js';
import { enqueueNotice, freezeFacts } from './notices.js';
import {
  decidePlan,
  decideRequest,
  type RollbackAsk,
  type RollbackPlan,
  requested,
} from './rollback-decide.js';
import { decideFinish, type Outcome } from './rollback-finish-decide.js';
import { decideRunning, decideStep } from './rollback-step-decide.js';
import {
  type RollbackPolicy,
  type RollbackWrites,
  rollbackKey,
  rollbackRequest,
} from './rollback-values.js';
import { rollbackTarget } from './suspects.js';

export type { RollbackAsk, RollbackPlan } from './rollback-decide.js';
export { type RollbackPolicy, rollbackLane, rollbackThread } from './rollback-values.js';

// The rollback's unit-of-work shells: each reads what its decision needs inside one
// transaction, asks the pure decision (rollback-decide.ts, rollback-step-decide.ts,
// rollback-finish-decide.ts), applies it, commits, then kicks the outbox. The backend is only
// ever called between units of work, from the outbox worker.

/** One step of a rollback (start it, or ask how it is going); carried out by `step` below. */
export const rollbackStepEffect = defineEffect({
  kind: 'deploy.rollback',
  payload: z.object({ rollbackId: z.number() }),
});

export interface RollbackDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  backendFor: BackendResolver;
  freezes: Freezes;
  policy: RollbackPolicy;
}

/** Writes a decision's timeline entries, messages, next step and card refresh, in that order. */
async function applyWrites(tx: Tx, writes: RollbackWrites, at: Date): Promise<void> {
  for (const entry of writes.timeline) await record(tx, entry, at);
  for (const { to, notice } of writes.notices) await enqueueNotice(tx, to, notice, at);
  for (const step of writes.steps) await rollbackStepEffect.enqueue(tx, step, at);
  if (writes.publish !== null) await enqueuePublish(tx, writes.publish, at);
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
 * What a request is decided on. `key` is the ask's rollback key (empty when the target is
 * unknown, which the decision refuses first).
 */
async function readRequest(tx: Tx, ask: RollbackAsk, backendFor: BackendResolver, at: Date) {
  const to = (await findDeploy(tx, ask.toDeployId)) ?? null;
  const fromId = ask.fromDeployId;
  const from =
    (fromId !== null
      ? await findDeploy(tx, fromId)
      : to && (await latestDeploy(tx, to.service, to.environment))) ?? null;
  const key = to ? rollbackKey(ask.incidentId, to.service, to.environment, to.id) : '';
  const state = {
    to,
    from,
    incident: ask.incidentId === null ? null : await findIncident(tx, ask.incidentId),
    live: (to && (await liveRollbackByKey(tx, key))) ?? null,
    last: (to && (await lastRollbackAttempt(tx, key))) ?? null,
    expected: (from && (await rollbackTarget(tx, from))) ?? null,
    backend: to ? backendFor(to.service, to.environment) : null,
    freezes: await activeFreezes(tx, at),
    active: (to && (await activeRollbackOf(tx, to.service, to.environment))) ?? null,
  };
  return { state, key };
}

/**
 * One-click rollback: checks, records the request with its outbox item in one transaction,
 * then the outbox worker drives the backend (`step`) and reports progress in a thread.
 */
export function createRollbacks(deps: RollbackDeps) {
  const { store, now, policy } = deps;

  /** What `/deploy rollback <service> [env]` would do: latest deploy → the one before it. */
  async function plan(
    service: string,
    environment: string,
    incidentId: number | null = null,
  ): Promise<RollbackPlan> {
    return await store.tx(async (tx) => {
      const from = (await latestDeploy(tx, service, environment)) ?? null;
      const to = from ? ((await rollbackTarget(tx, from)) ?? null) : null;
      const last = to
        ? await lastRollbackAttempt(tx, rollbackKey(incidentId, service, environment, to.id))
        : undefined;
      const backend = deps.backendFor(service, environment);
      return decidePlan({ service, environment, from, to, backend, last: last ?? null });
    });
  }

  /**
   * Asks for a rollback inside the caller's unit of work (the automatic rollback's deadline
   * settles its countdown in the same one). Refusals come back as values, after their audit
   * entry is written; the caller kicks the outbox after its commit.
   */
  async function requestIn(
    tx: Tx,
    ask: RollbackAsk,
    actor: Actor,
    at: Date,
  ): Promise<
    | { kind: 'refused'; error: AppError }
    | { kind: 'same'; rollback: Rollback }
    | { kind: 'created'; rollback: Rollback }
  > {
    const { state, key } = await readRequest(tx, ask, deps.backendFor, at);
    const decision = decideRequest(state, ask, actor, key, policy, at);
    if (decision.kind === 'refused') {
      // Kept even though the ask is refused: who tried to roll back without permission.
      if (decision.audit) await record(tx, decision.audit, at);
      return { kind: 'refused', error: decision.error };
    }
    if (decision.kind === 'same') return decision;
    const inserted = await insertRollback(tx, decision.values);
    // Checked before anything is recorded or run: a bad template value is refused outright
    // (it throws, and the transaction rolls back).
    decision.backend.validate(
      rollbackRequest(inserted, decision.from, decision.to, policy.publicUrl),
    );
    await applyWrites(
      tx,
      requested(inserted, decision.from, decision.to, decision.backend, at),
      at,
    );
    return { kind: 'created', rollback: inserted };
  }

  /**
   * Asks for a rollback. The same ask twice (a double click, two people) returns the rollback
   * already under way (`created: false`); a different one while one runs is refused.
   */
  async function request(
    ask: RollbackAsk,
    actor: Actor,
  ): Promise<{ rollback: Rollback; created: boolean }> {
    const at = now();
    const decided = await store.tx((tx) => requestIn(tx, ask, actor, at));
    if (decided.kind === 'refused') throw decided.error;
    if (decided.kind === 'same') return { rollback: decided.rollback, created: false };
    deps.kick();
    return { rollback: decided.rollback, created: true };
  }

  /**
   * The outbox handler: one step of one rollback. Starts it, or asks the backend how it is
   * going; while it runs, schedules the next step in the same lane.
   */
  async function step(rollbackId: number): Promise<void> {
    const before = await store.tx(async (tx) => {
      const row = (await findRollback(tx, rollbackId)) ?? null;
      const to = row ? ((await findDeploy(tx, row.toDeployId)) ?? null) : null;
      const from =
        row?.fromDeployId != null ? ((await findDeploy(tx, row.fromDeployId)) ?? null) : null;
      const backend = row ? deps.backendFor(row.service, row.environment) : null;
      const decision = decideStep({ row, to, backend }, now());
      if (decision.kind === 'start' && decision.running) {
        await markRollbackRunning(tx, rollbackId, decision.running.at);
        await record(tx, decision.running.entry, decision.running.at);
      }
      const req = row && to ? rollbackRequest(row, from, to, policy.publicUrl) : null;
      return { decision, row, req, backend };
    });
    const { decision, row, req, backend } = before;
    if (decision.kind === 'none') return;
    if (decision.kind === 'fail') {
      await finish(rollbackId, { status: 'failed', reason: decision.reason });
      return;
    }
    // Only start and poll are left, and decideStep asks for them only with a target and a backend.
    if (!req || !backend || !row) return;
    const progress =
      decision.kind === 'start'
        ? await attempt(() => backend.start(req))
        : await attempt(() => backend.poll(req, decision.operation));
    if (progress.status !== 'running') {
      await finish(rollbackId, progress);
      return;
    }
    const at = now();
    await store.tx(async (tx) => {
      const current = (await findRollback(tx, rollbackId)) ?? null;
      const running = decideRunning(current, progress, row.operation === null, backend);
      if (running.kind === 'none') return;
      await setRollbackOperation(tx, rollbackId, {
        operation: running.operation,
        externalUrl: running.externalUrl,
      });
      await applyWrites(tx, running.writes, at);
    });
    deps.kick();
  }

  /** Records the outcome once (a late callback or poll after it changes nothing) and reports it. */
  async function finish(rollbackId: number, progress: Outcome): Promise<boolean> {
    const at = now();
    const decision = await store.tx(async (tx) => {
      const row = (await findRollback(tx, rollbackId)) ?? null;
      const state = {
        row,
        to: row ? ((await findDeploy(tx, row.toDeployId)) ?? null) : null,
        from: row?.fromDeployId != null ? ((await findDeploy(tx, row.fromDeployId)) ?? null) : null,
        incident: row?.incidentId != null ? await findIncident(tx, row.incidentId) : null,
        freezes: await activeFreezes(tx, at),
      };
      const decided = decideFinish(state, progress, policy, at);
      if (decided.kind !== 'finish') return decided;
      await finishRollback(tx, rollbackId, decided.outcome);
      await record(tx, decided.entry, at);
      if (decided.deploy) await insertDeployOnce(tx, decided.deploy);
      const freeze = decided.freeze
        ? await deps.freezes.insert(
            tx,
            decided.freeze,
            { id: 'firebreak', source: 'firebreak' },
            at,
          )
        : null;
      const { to, notice } = decided.notice;
      await enqueueNotice(
        tx,
        to,
        notice.type === 'rollback_succeeded'
          ? { ...notice, freeze: freeze ? freezeFacts(freeze) : null }
          : notice,
        at,
      );
      if (decided.publish !== null) await enqueuePublish(tx, decided.publish, at);
      return decided;
    });
    if (decision.kind === 'unknown')
      throw new AppError('not_found', `There is no rollback #${rollbackId}.`);
    deps.kick();
    return decision.kind === 'finish';
  }

  /** A receiver's callback (webhook backend): only a running rollback can be finished by it. */
  async function report(rollbackId: number, progress: Outcome): Promise<boolean> {
    return await finish(rollbackId, progress);
  }

  /** Rollbacks under way or recent, for `/deploy status`. */
  async function recent(service?: string, limit = 5): Promise<Rollback[]> {
    return await store.read((tx) => recentRollbacks(tx, service, limit));
  }

  return {
    plan,
    request,
    requestIn,
    step,
    report,
    recent,
    find: (id: number) => store.read((tx) => findRollback(tx, id)),
    /** The outbox handler of rollbackStepEffect. */
    effects: [rollbackStepEffect.handledBy(({ rollbackId }) => step(rollbackId))],
  };
}

export type Rollbacks = ReturnType<typeof createRollbacks>;
