import type { Catalog } from '../catalog.js';
import type { Freeze } from '../domain/freeze.js';
import type { Actor, AlertListener } from '../incidents/events.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import {
  activeAlertFreeze,
  insertAlertFreeze,
  setAlertFreezeResolved,
} from '../store/alert-freezes.js';
import type { Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import {
  type AlertFreezeTiming,
  decideAlertFreeze,
  type LabelMatcher,
  matchesAny,
} from './alert-freezes-decide.js';
import type { Freezes } from './freezes.js';
import { enqueueNotice, freezeFacts } from './notices.js';

export interface AlertFreezePolicy extends AlertFreezeTiming {
  /** deploys.freezeOnAlerts; empty: the feature is off. */
  matchers: readonly LabelMatcher[];
  defaultEnvironment: string;
}

// A concrete name, never a glob: an alert labelled `service: "*"` must not freeze everything.
const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/**
 * Error-budget freezes: an alert matching deploys.freezeOnAlerts freezes its service and
 * environment while it fires (Sloth's ErrorBudgetExhausted is the usual one). It is an ordinary
 * freeze row (the gate, the card, /deploy status and the expiry sweep all see it) plus a link to
 * the alert that holds it, so repeated notifications never stack freezes and the hysteresis
 * survives a restart: a resolve before the minimum stores the minimum as the expiry.
 */
export function alertFreezeListener(deps: {
  freezes: Freezes;
  catalog: Catalog;
  policy: AlertFreezePolicy;
}): AlertListener | null {
  const { freezes, catalog, policy } = deps;
  if (policy.matchers.length === 0) return null;

  return async (tx, { alert, incidentId, at }) => {
    if (!matchesAny(alert, policy.matchers)) return;
    const ref = `${alert.source}:${alert.key}`;
    const held = await activeAlertFreeze(tx, ref, at);
    const step = decideAlertFreeze(
      alert.status === 'firing',
      held && {
        expiresAt: held.freeze.expiresAt,
        minUntil: held.link.minUntil,
        resolvedAt: held.link.resolvedAt,
      },
      policy,
      at,
    );
    const actor: Actor = { id: alert.source, source: alert.source };
    switch (step.kind) {
      case 'none':
        return;
      case 'create': {
        const target = targetOf(alert);
        if (!target) return;
        const alertname = nameOf(alert);
        const row = await freezes.insert(
          tx,
          {
            services: [target.service],
            environments: [target.environment],
            durationMs: step.expiresAt.getTime() - at.getTime(),
            reason: `error budget exhausted: ${alertname} is firing. Deploys resume when it resolves, and not before ${minutes(policy.minFreezeMs)} after it fired`,
            incidentId,
            blocksRollbacks: false,
          },
          actor,
          at,
        );
        await insertAlertFreeze(tx, {
          freezeId: row.id,
          alertRef: ref,
          alertname,
          minUntil: step.minUntil,
          resolvedAt: null,
        });
        return;
      }
      case 'hold': {
        if (!held) return;
        const moved = await freezes.reschedule(tx, held.freeze, step.expiresAt, at);
        if (!step.refired) return;
        await setAlertFreezeResolved(tx, held.freeze.id, null);
        await announce(tx, moved, held.link.alertname, 'fired_again', actor, at);
        return;
      }
      case 'lift':
        if (!held) return;
        await setAlertFreezeResolved(tx, held.freeze.id, at);
        await freezes.liftInTx(tx, held.freeze, actor, at);
        return;
      case 'lift_at': {
        if (!held) return;
        await setAlertFreezeResolved(tx, held.freeze.id, at);
        const moved = await freezes.reschedule(tx, held.freeze, step.expiresAt, at);
        await announce(tx, moved, held.link.alertname, 'resolved_early', actor, at);
        return;
      }
    }
  };

  function targetOf(alert: NormalizedAlert): { service: string; environment: string } | null {
    // Sloth labels its alerts with sloth_service; other senders use service/app (ingest/alert.ts).
    const name = alert.service ?? alert.labels.sloth_service ?? null;
    const environment = (alert.environment ?? policy.defaultEnvironment).toLowerCase();
    if (!name || !NAME.test(name.trim()) || !NAME.test(environment)) return null;
    return { service: catalog.resolve(name).service, environment };
  }
}

const nameOf = (alert: NormalizedAlert): string =>
  (alert.labels.alertname ?? alert.title).slice(0, 100);

const minutes = (ms: number): string =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;

/** On the record (audit stream and the linked incident) and where the freeze was announced. */
async function announce(
  tx: Tx,
  row: Freeze,
  alertname: string,
  why: 'resolved_early' | 'fired_again',
  actor: Actor,
  at: Date,
): Promise<void> {
  const payload = { freezeId: row.id, alertname, why, expiresAt: row.expiresAt.toISOString() };
  const entry = { kind: 'freeze_rescheduled' as const, at, actor: actor.id, source: actor.source };
  await record(tx, { incidentId: null, ...entry, payload }, at);
  if (row.incidentId !== null)
    await record(tx, { incidentId: row.incidentId, ...entry, payload }, at);
  await enqueueNotice(
    tx,
    { incidentId: row.incidentId, channelId: row.channelId },
    { type: 'freeze_rescheduled', freeze: freezeFacts(row), alertname, why },
    at,
  );
}
