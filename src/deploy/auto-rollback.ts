import type { AutoRollback } from '../domain/auto-rollback.js';
import { ALERT_SOURCES, type Incident } from '../domain/incident.js';
import type { TimelineInput } from '../domain/timeline.js';
import { AppError } from '../errors.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { Actor, IncidentListener } from '../incidents/events.js';
import { listAlerts } from '../store/alerts.js';
import {
  actingAutoRollbackOf,
  dueAutoRollbacks,
  findAutoRollback,
  insertAutoRollback,
  latestAutoRollbackOf,
  settleAutoRollback,
} from '../store/auto-rollbacks.js';
import { deploysInWindow, findDeploy, runningDeploys } from '../store/deploys.js';
import { activeFreezes } from '../store/freezes.js';
import { findIncident } from '../store/incidents.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import {
  type AutoRollbackPlan,
  type AutoRollbackPolicy,
  type AutoRollbackTrigger,
  decideAutoRollback,
  type GuardState,
  settingsFor,
  shouldEvaluate,
} from './auto-rollback-decide.js';
import type { BackendResolver } from './backend.js';
import { enqueueNotice, type RollbackButton } from './notices.js';
import { denial, mayChangeDeploys } from './permissions.js';
import type { Rollbacks } from './rollback.js';
import { rollbackTarget } from './suspects.js';

// deploys.autoRollback's shell. The guard runs inside the unit of work of the alert that
// opened or raised the incident; a countdown's deadline lives in auto_rollbacks and a sweep
// settles it, in one unit of work with the rollback it asks for through the ordinary path
// (rollbacks.requestIn), so a restart during the veto neither loses nor doubles it.

/** Named on the timeline and in messages as the actor's reason. */
export const AUTO_ROLLBACK_POLICY = 'deploys.autoRollback';
/** Who rolls back at the deadline: the bot, through the same door as a click. */
const FIREBREAK: Actor = { id: 'firebreak', source: 'firebreak' };
const STALE_RUNNING_MS = 24 * 60 * 60_000;
const CANDIDATES = 20;
const DUE_PER_SWEEP = 20;

export const autoRollbackThread = (id: number) => `autorollback:${id}`;
const isAlert = (source: string) => (ALERT_SOURCES as readonly string[]).includes(source);

export interface AutoRollbackDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  backendFor: BackendResolver;
  rollbacks: Pick<Rollbacks, 'requestIn'>;
  policy: AutoRollbackPolicy;
}

/** What the guard is decided on, read in the incident's unit of work. */
async function readGuard(
  tx: Tx,
  incident: Incident,
  windowMs: number,
  backendFor: BackendResolver,
  decision: 'shadow' | 'scheduled',
  cooldownMs: number,
  at: Date,
): Promise<GuardState> {
  const service = incident.services.length === 1 ? (incident.services[0] as string) : null;
  const environments = new Set([incident.environment]);
  if (service)
    for (const alert of await listAlerts(tx, incident.id))
      if (alert.environment) environments.add(alert.environment);
  const firstAlertAt = incident.detectedAt ?? incident.declaredAt;
  const environment = incident.environment;
  const byId = new Map<number, Awaited<ReturnType<typeof deploysInWindow>>[number]>();
  if (service) {
    const q = { service, environment, until: firstAlertAt, limit: CANDIDATES };
    for (const d of await deploysInWindow(tx, {
      ...q,
      from: new Date(firstAlertAt.getTime() - windowMs),
    }))
      byId.set(d.id, d);
    // A deploy still rolling out at the first alert is another deploy in the window.
    for (const d of await runningDeploys(tx, {
      ...q,
      from: new Date(firstAlertAt.getTime() - STALE_RUNNING_MS),
    }))
      byId.set(d.id, d);
  }
  const deploys = [...byId.values()].sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id);
  const newest = deploys[0];
  const backend = service ? backendFor(service, environment) : null;
  return {
    incident: {
      id: incident.id,
      services: incident.services,
      environments: [...environments],
      severity: incident.severity,
      firstAlertAt,
    },
    deploys,
    target: (newest && (await rollbackTarget(tx, newest))) ?? null,
    backend: backend ? { label: backend.label } : null,
    freezes: await activeFreezes(tx, at),
    incidentDecision: (await actingAutoRollbackOf(tx, incident.id)) ?? null,
    recent: service
      ? ((await latestAutoRollbackOf(tx, {
          service,
          environment,
          decision,
          since: new Date(at.getTime() - cooldownMs),
          notIncident: incident.id,
        })) ?? null)
      : null,
  };
}

const buttonOf = (
  incidentId: number,
  from: { id: number } | null,
  to: { id: number } | null,
): RollbackButton | null =>
  from && to ? { incidentId, deployId: from.id, toDeployId: to.id } : null;

function settledEntry(
  row: AutoRollback,
  status: string,
  actor: string,
  at: Date,
  extra: Record<string, unknown>,
): TimelineInput {
  return {
    incidentId: row.incidentId,
    kind: 'auto_rollback_settled',
    at,
    actor,
    source: actor === 'firebreak' ? 'firebreak' : 'slack',
    payload: {
      autoRollbackId: row.id,
      status,
      service: row.service,
      environment: row.environment,
      policy: AUTO_ROLLBACK_POLICY,
      ...extra,
    },
  };
}

export function createAutoRollbacks(deps: AutoRollbackDeps) {
  const { store, now, policy } = deps;

  /** Records the plan, its timeline entry and its message, in the incident's unit of work. */
  async function writeDecision(
    tx: Tx,
    incident: Incident,
    plan: AutoRollbackPlan,
    trigger: AutoRollbackTrigger,
    at: Date,
  ): Promise<AutoRollback> {
    const row = await insertAutoRollback(tx, {
      incidentId: incident.id,
      service: plan.service,
      environment: plan.environment,
      fromDeployId: plan.from?.id ?? null,
      toDeployId: plan.to?.id ?? null,
      mode: plan.mode,
      decision: plan.decision,
      status: plan.decision === 'scheduled' ? 'pending' : 'none',
      reasons: plan.reasons,
      severity: incident.severity,
      decidedAt: at,
      deadlineAt: plan.deadlineAt,
    });
    await record(
      tx,
      {
        incidentId: incident.id,
        kind: 'auto_rollback_decided',
        at,
        actor: 'firebreak',
        source: 'firebreak',
        payload: {
          autoRollbackId: row.id,
          decision: plan.decision,
          mode: plan.mode,
          trigger: trigger.kind,
          severity: incident.severity,
          service: plan.service,
          environment: plan.environment,
          from: plan.from?.version ?? null,
          to: plan.to?.version ?? null,
          reasons: plan.reasons,
          checks: plan.checks.map((c) => ({ condition: c.condition, ok: c.ok })),
          deadline: plan.deadlineAt?.toISOString() ?? null,
          policy: AUTO_ROLLBACK_POLICY,
        },
      },
      at,
    );
    // The message needs the incident's channel, which its publish makes: queue that first in
    // the lane (it coalesces with the publish the opening queues after the listeners).
    await enqueuePublish(tx, incident.id, at);
    await enqueueNotice(
      tx,
      { incidentId: incident.id, channelId: null, remember: autoRollbackThread(row.id) },
      {
        type: 'auto_rollback_decided',
        autoRollbackId: row.id,
        decision: plan.decision,
        service: plan.service,
        environment: plan.environment,
        from: plan.from?.version ?? null,
        to: plan.to?.version ?? null,
        reasons: plan.reasons,
        deadline: plan.deadlineAt?.toISOString() ?? null,
        vetoMs: plan.deadlineAt ? plan.deadlineAt.getTime() - at.getTime() : null,
        rollback: buttonOf(incident.id, plan.from, plan.to),
      },
      at,
    );
    return row;
  }

  /** The incident listener: an alert opened or raised an incident; maybe run the guard. */
  const listener: IncidentListener = async (tx, event) => {
    if (event.type !== 'opened' && event.type !== 'severity_changed') return;
    if (!isAlert(event.actor.source)) return;
    const incident = event.incident;
    const service = incident.services.length === 1 ? (incident.services[0] as string) : null;
    const settings = settingsFor(policy, service);
    const trigger: AutoRollbackTrigger =
      event.type === 'opened' ? { kind: 'opened' } : { kind: 'raised', from: event.from };
    if (!shouldEvaluate(settings, incident.severity, trigger)) return;
    const decision = settings.mode === 'shadow' ? 'shadow' : 'scheduled';
    const state = await readGuard(
      tx,
      incident,
      settings.windowMs,
      deps.backendFor,
      decision,
      settings.cooldownMs,
      event.at,
    );
    const plan = decideAutoRollback(state, settings, policy.rollbacksExempt, event.at);
    await writeDecision(tx, incident, plan, trigger, event.at);
  };

  /** A settled countdown's message, in the thread of its announcement and in the channel. */
  async function announceSettled(
    tx: Tx,
    row: AutoRollback,
    status: 'executed' | 'cancelled' | 'superseded' | 'aborted',
    by: string,
    extra: { reason?: string | null; rollbackId?: number | null },
    at: Date,
  ): Promise<void> {
    // The card drops its countdown line.
    await enqueuePublish(tx, row.incidentId, at);
    const to = row.toDeployId !== null ? await findDeploy(tx, row.toDeployId) : undefined;
    await enqueueNotice(
      tx,
      {
        incidentId: row.incidentId,
        channelId: null,
        threadKey: autoRollbackThread(row.id),
        broadcast: true,
      },
      {
        type: 'auto_rollback_settled',
        autoRollbackId: row.id,
        status,
        by,
        service: row.service,
        environment: row.environment,
        to: to?.version ?? null,
        reason: extra.reason ?? null,
        rollbackId: extra.rollbackId ?? null,
        rollback:
          status === 'aborted'
            ? buttonOf(
                row.incidentId,
                row.fromDeployId !== null ? { id: row.fromDeployId } : null,
                row.toDeployId !== null ? { id: row.toDeployId } : null,
              )
            : null,
      },
      at,
    );
  }

  /** Marks a countdown aborted (the rollback path refused it) and says why, with the button. */
  async function abort(tx: Tx, row: AutoRollback, reason: string, at: Date): Promise<boolean> {
    if (
      !(await settleAutoRollback(tx, row.id, {
        status: 'aborted',
        settledAt: at,
        settledBy: 'firebreak',
        error: reason,
      }))
    )
      return false;
    await record(tx, settledEntry(row, 'aborted', 'firebreak', at, { reason }), at);
    await announceSettled(tx, row, 'aborted', 'firebreak', { reason }, at);
    return true;
  }

  /**
   * The deadline of one countdown: settles it and asks for the rollback through the ordinary
   * path in one unit of work. Only a pending row past its deadline moves; a Cancel or another
   * sweep that got there first leaves nothing to do.
   */
  async function execute(id: number): Promise<AutoRollback['status'] | null> {
    const at = now();
    let outcome: AutoRollback['status'] | null;
    try {
      outcome = await store.tx(async (tx) => {
        const row = await findAutoRollback(tx, id);
        if (row?.status !== 'pending' || !row.deadlineAt || row.deadlineAt > at) return null;
        if (row.toDeployId === null) {
          await abort(tx, row, 'the rollback target is gone', at);
          return 'aborted';
        }
        const asked = await deps.rollbacks.requestIn(
          tx,
          {
            incidentId: row.incidentId,
            fromDeployId: row.fromDeployId,
            toDeployId: row.toDeployId,
          },
          FIREBREAK,
          at,
        );
        if (asked.kind === 'refused') {
          await abort(tx, row, asked.error.message, at);
          return 'aborted';
        }
        // Someone pressed Roll back now (or the same rollback ran already): nothing new runs.
        const status = asked.kind === 'created' ? 'executed' : 'superseded';
        await settleAutoRollback(tx, row.id, {
          status,
          settledAt: at,
          settledBy: 'firebreak',
          rollbackId: asked.rollback.id,
        });
        await record(
          tx,
          settledEntry(row, status, 'firebreak', at, { rollbackId: asked.rollback.id }),
          at,
        );
        if (status === 'superseded')
          await announceSettled(
            tx,
            row,
            status,
            asked.rollback.requestedBy,
            { rollbackId: asked.rollback.id },
            at,
          );
        return status;
      });
    } catch (error) {
      // Thrown inside the unit of work (a backend refusing the request's values): it rolled
      // back, so the row is still pending; settle it as aborted, once, with the reason.
      const reason = error instanceof Error ? error.message : String(error);
      outcome = await store.tx(async (tx) => {
        const row = await findAutoRollback(tx, id);
        if (row?.status !== 'pending') return null;
        return (await abort(tx, row, reason, at)) ? 'aborted' : null;
      });
    }
    if (outcome) deps.kick();
    return outcome;
  }

  /** The sweep: every countdown whose veto is over. Returns how many it settled. */
  async function executeDue(): Promise<number> {
    const due = await store.read((tx) => dueAutoRollbacks(tx, now(), DUE_PER_SWEEP));
    let settled = 0;
    for (const row of due) if (await execute(row.id)) settled += 1;
    return settled;
  }

  /**
   * Cancel, by anyone who may roll back (the incident owner, a deployer). Too late (it ran,
   * or someone cancelled first) is not an error: the answer says what happened instead.
   */
  async function cancel(
    id: number,
    actor: Actor,
  ): Promise<{ cancelled: boolean; row: AutoRollback }> {
    const at = now();
    const result = await store.tx(async (tx) => {
      const row = await findAutoRollback(tx, id);
      if (!row) return { kind: 'missing' as const };
      const incident = await findIncident(tx, row.incidentId);
      const ownerId = incident?.ownerId ?? null;
      if (!mayChangeDeploys(actor, policy.deployers, ownerId)) {
        const refused = denial(
          {
            actor,
            incidentId: row.incidentId,
            ownerId,
            action: `cancel the automatic rollback of ${row.service ?? '?'} in ${row.environment}`,
            at,
          },
          { autoRollbackId: row.id },
        );
        await record(tx, refused.audit, at);
        return { kind: 'denied' as const, error: refused.error };
      }
      const cancelled = await settleAutoRollback(tx, id, {
        status: 'cancelled',
        settledAt: at,
        settledBy: actor.id,
      });
      if (cancelled) {
        await record(tx, settledEntry(row, 'cancelled', actor.id, at, {}), at);
        await announceSettled(tx, row, 'cancelled', actor.id, {}, at);
      }
      const after = (await findAutoRollback(tx, id)) as AutoRollback;
      return { kind: 'done' as const, cancelled, row: after };
    });
    if (result.kind === 'missing')
      throw new AppError('not_found', `There is no automatic rollback #${id}.`);
    if (result.kind === 'denied') throw result.error;
    if (result.cancelled) deps.kick();
    return { cancelled: result.cancelled, row: result.row };
  }

  return {
    listener,
    executeDue,
    execute,
    cancel,
    find: (id: number) => store.read((tx) => findAutoRollback(tx, id)),
  };
}

export type AutoRollbacks = ReturnType<typeof createAutoRollbacks>;
