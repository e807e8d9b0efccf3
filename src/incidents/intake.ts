import type { Catalog } from '../catalog.js';
import { type Severity, severityFromLabel, severityRank } from '../domain/incident.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import { getIncident, updateIncident } from '../store/incidents.js';
import {
  countAlerts,
  countFiringAlerts,
  countOpenedByAlertsSince,
  findLatestAlert,
  findOpenAlert,
  gatheringIncidentOf,
  incidentBrief,
  insertFiringAlert,
  type KnownAlert,
  lastRecordedCut,
  linkService,
  openIncidentOfGroup,
  openIncidentOfService,
  touchAlert,
  updateSeenAlert,
} from '../store/intake.js';
import type { Db, Tx } from '../store/sqlite.js';
import { record } from '../timeline/timeline.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import { type Actor, type IncidentEvent, type IncidentListener, SYSTEM } from './events.js';
import { openIncident as openIncidentRow } from './open.js';
import { resolveInTx } from './resolution.js';
import { STORM_GROUP_KEY, STORM_WINDOW_MS, stormDescription, stormTitle } from './storm.js';

export interface IntakePolicy {
  defaultEnvironment: string;
  severityLabels: Readonly<Record<string, Severity>> | undefined;
  /** How long after opening until the first status update is due, per severity. */
  reminders: Readonly<Partial<Record<Severity, number>>>;
  /** Nag about a missing owner this long after an incident opens without one. */
  unownedReminderMs: number;
  autoResolve: boolean;
  /** After resolving, offer to archive the channel this long later (unset: no offer). */
  archiveAfterMs?: number;
  /**
   * At most this many incidents opened by alerts in any minute; past it, new groups are
   * gathered into one alert storm incident (unset: no cap).
   */
  maxNewPerMinute?: number;
}

export interface IntakeDeps {
  db: Db;
  now: () => Date;
  catalog: Catalog;
  policy: IntakePolicy;
  /** Called after a commit that enqueued side effects. */
  kick: () => void;
  /** Told about incidents opened (and severities raised) inside the transaction. */
  listeners?: readonly IncidentListener[];
}

export interface IntakeResult {
  received: number;
  /** Alerts that changed something (new, re-fired or resolved). */
  changed: number;
  opened: number[];
  touched: number[];
}

/**
 * Turns normalized alerts into incidents: one incident per alert group (and per open incident
 * of the same service and environment), never one per alert. Redelivering the same alerts
 * changes nothing. Everything happens in one synchronous transaction with the outbox rows,
 * so a 202 means the alerts and their Slack effects are on disk.
 */
export function createAlertIntake(deps: IntakeDeps) {
  const { db, now, catalog, policy } = deps;
  const emit = (tx: Tx, event: IncidentEvent) => {
    for (const listener of deps.listeners ?? []) listener(tx, event);
  };
  const sourceActor = (alert: NormalizedAlert): Actor => ({
    id: alert.source,
    source: alert.source,
  });

  /** Applies alerts inside the caller's transaction (the inbox processes many deliveries in one). */
  function applyBatch(tx: Tx, batch: readonly NormalizedAlert[], at: Date): IntakeResult {
    const touched = new Set<number>();
    const opened: number[] = [];
    const wasFiring = new Map<number, number>();
    /** incident → alerts cut from the latest notification that reached it. */
    const cuts = new Map<number, { cut: number; source: NormalizedAlert['source'] }>();
    let changed = 0;
    for (const alert of batch) {
      const outcome = apply(tx, alert, at, wasFiring);
      if (outcome.opened) opened.push(outcome.incidentId);
      if (outcome.changed && outcome.incidentId) {
        changed++;
        touched.add(outcome.incidentId);
      }
      if (alert.cut !== undefined && outcome.incidentId)
        cuts.set(outcome.incidentId, { cut: alert.cut, source: alert.source });
    }
    for (const [incidentId, { cut, source }] of cuts)
      if (recordCut(tx, incidentId, cut, source, at)) touched.add(incidentId);
    for (const incidentId of touched) {
      settleAlerts(tx, incidentId, wasFiring.get(incidentId) ?? 0, at);
      enqueuePublish(tx, incidentId, at, { background: true });
    }
    return { received: batch.length, changed, opened, touched: [...touched] };
  }

  function ingest(batch: readonly NormalizedAlert[]): IntakeResult {
    const at = now();
    const result = db.transaction((tx) => applyBatch(tx, batch, at));
    if (result.touched.length > 0) deps.kick();
    return result;
  }

  function apply(
    tx: Tx,
    alert: NormalizedAlert,
    at: Date,
    wasFiring: Map<number, number>,
  ): { incidentId: number; changed: boolean; opened: boolean } {
    const service = alert.service ? catalog.resolve(alert.service).service : null;
    const environment = alert.environment?.toLowerCase() ?? policy.defaultEnvironment;
    const severity = severityFromLabel(alert.severityLabel, policy.severityLabels);

    const known =
      openAlert(tx, alert) ?? (alert.status === 'resolved' ? latestAlert(tx, alert) : undefined);
    if (known) {
      rememberFiring(tx, known.incidentId, wasFiring);
      return {
        incidentId: known.incidentId,
        changed: updateAlert(tx, known, alert, at),
        opened: false,
      };
    }
    // A resolved alert we never saw firing has nothing to resolve.
    if (alert.status === 'resolved') return { incidentId: 0, changed: false, opened: false };
    // Still the same firing episode of an alert whose incident someone already resolved
    // (Alertmanager repeats firing alerts): do not open a second incident for it.
    const previous = latestAlert(tx, alert);
    if (
      previous?.status === 'firing' &&
      previous.startsAt?.getTime() === alert.startsAt?.getTime()
    ) {
      touchAlert(tx, previous.id, at);
      return { incidentId: previous.incidentId, changed: false, opened: false };
    }

    let incidentId = findOpenIncident(tx, alert.groupKey, service, environment);
    let opened = false;
    if (incidentId === null && overCap(tx, at)) {
      // A flood of new groups: gather them into the one storm incident rather than a channel each.
      incidentId = openIncidentOfGroup(tx, STORM_GROUP_KEY);
      if (incidentId === null) {
        incidentId = openStorm(tx, alert, { service, environment, severity }, at);
        opened = true;
      }
    }
    if (incidentId === null) {
      incidentId = openIncident(tx, alert, { service, environment, severity }, at);
      opened = true;
    } else if (!opened) {
      rememberFiring(tx, incidentId, wasFiring);
      escalate(tx, incidentId, severity, alert, at);
      if (service) linkService(tx, incidentId, service);
    }
    insertFiringAlert(tx, {
      incidentId,
      source: alert.source,
      dedupeKey: alert.key,
      groupKey: alert.groupKey,
      title: alert.title,
      description: alert.description,
      service,
      environment,
      severity,
      labels: alert.labels,
      annotations: alert.annotations,
      url: alert.url,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      at,
    });
    record(
      tx,
      {
        incidentId,
        kind: 'alert_firing',
        at: alert.startsAt ?? at,
        actor: alert.source,
        source: alert.source,
        payload: { key: alert.key, title: alert.title, service, severity, url: alert.url },
      },
      at,
    );
    if (opened)
      emit(tx, {
        type: 'opened',
        incident: getIncident(tx, incidentId),
        actor: sourceActor(alert),
        at,
      });
    return { incidentId, changed: true, opened };
  }

  const openAlert = (tx: Tx, alert: NormalizedAlert): KnownAlert | undefined =>
    findOpenAlert(tx, alert.source, alert.key);

  const latestAlert = (tx: Tx, alert: NormalizedAlert): KnownAlert | undefined =>
    findLatestAlert(tx, alert.source, alert.key);

  function updateAlert(tx: Tx, row: KnownAlert, alert: NormalizedAlert, at: Date): boolean {
    const refired = alert.status === 'firing' && row.status === 'resolved';
    const resolved = alert.status === 'resolved' && row.status === 'firing';
    updateSeenAlert(tx, row.id, {
      status: alert.status,
      at,
      endsAt: alert.endsAt,
      startsAt: refired ? alert.startsAt : row.startsAt,
    });
    if (!refired && !resolved) return false;
    record(
      tx,
      {
        incidentId: row.incidentId,
        kind: refired ? 'alert_firing' : 'alert_resolved',
        at: (refired ? alert.startsAt : alert.endsAt) ?? at,
        actor: alert.source,
        source: alert.source,
        payload: { key: alert.key, title: row.title, service: row.service, refired },
      },
      at,
    );
    return true;
  }

  function findOpenIncident(
    tx: Tx,
    groupKey: string | null,
    service: string | null,
    environment: string,
  ) {
    const byGroup = groupKey ? openIncidentOfGroup(tx, groupKey) : null;
    if (byGroup !== null) return byGroup;
    const gathered = groupKey ? gatheringIncidentOf(tx, groupKey, STORM_GROUP_KEY) : null;
    if (gathered !== null) return gathered;
    return service ? openIncidentOfService(tx, service, environment) : null;
  }

  /** True when the incidents opened by alerts in the last minute reached the cap. */
  function overCap(tx: Tx, at: Date): boolean {
    const max = policy.maxNewPerMinute;
    if (max === undefined) return false;
    const since = new Date(at.getTime() - STORM_WINDOW_MS);
    return countOpenedByAlertsSince(tx, since, STORM_GROUP_KEY) >= max;
  }

  function openStorm(
    tx: Tx,
    alert: NormalizedAlert,
    facts: { service: string | null; environment: string; severity: Severity },
    at: Date,
  ): number {
    const max = policy.maxNewPerMinute ?? 0;
    const id = openIncident(tx, alert, facts, at, {
      title: stormTitle(max),
      description: stormDescription(max),
      groupKey: STORM_GROUP_KEY,
    });
    // Say so where people watch for new incidents, not only in the storm's own channel.
    enqueueMessage(tx, id, { kind: 'announce' }, { type: 'alert_storm', maxNewPerMinute: max }, at);
    return id;
  }

  /** Records how many alerts the latest notification left out, when that changed. */
  function recordCut(
    tx: Tx,
    incidentId: number,
    cut: number,
    source: NormalizedAlert['source'],
    at: Date,
  ): boolean {
    if (lastRecordedCut(tx, incidentId) === cut) return false;
    record(tx, { incidentId, kind: 'alerts_cut', at, actor: source, source, payload: { cut } }, at);
    return true;
  }

  function openIncident(
    tx: Tx,
    alert: NormalizedAlert,
    facts: { service: string | null; environment: string; severity: Severity },
    at: Date,
    as: { title: string; description: string; groupKey: string } | null = null,
  ): number {
    const ownerId = facts.service ? (catalog.owners(facts.service)[0] ?? null) : null;
    const title = (as?.title ?? alert.title).slice(0, 200);
    const groupKey = as?.groupKey ?? alert.groupKey;
    const services = facts.service ? [facts.service] : [];
    return openIncidentRow(
      tx,
      {
        incident: {
          title,
          description: as?.description ?? alert.description,
          severity: facts.severity,
          state: 'triage',
          ownerId,
          environment: facts.environment,
          source: 'alert',
          groupKey,
          impactStartedAt: alert.startsAt ?? at,
          detectedAt: at,
          declaredAt: at,
        },
        services,
        opened: {
          kind: 'incident_opened',
          actor: alert.source,
          source: alert.source,
          payload: {
            title,
            severity: facts.severity,
            state: 'triage',
            services,
            environment: facts.environment,
            ownerId,
            groupKey,
          },
        },
      },
      policy,
      at,
    );
  }

  /** A more severe alert raises the incident's severity; alerts never lower it. */
  function escalate(
    tx: Tx,
    incidentId: number,
    severity: Severity,
    alert: NormalizedAlert,
    at: Date,
  ) {
    const current = incidentBrief(tx, incidentId);
    if (!current || severityRank(severity) >= severityRank(current.severity)) return;
    updateIncident(tx, incidentId, { severity, updatedAt: at });
    record(
      tx,
      {
        incidentId,
        kind: 'severity_changed',
        at,
        actor: alert.source,
        source: alert.source,
        payload: { from: current.severity, to: severity, reason: `alert ${alert.title}` },
      },
      at,
    );
    emit(tx, {
      type: 'severity_changed',
      incident: getIncident(tx, incidentId),
      actor: sourceActor(alert),
      at,
      from: current.severity,
    });
  }

  const firingCount = (tx: Tx, incidentId: number): number => countFiringAlerts(tx, incidentId);

  function rememberFiring(tx: Tx, incidentId: number, wasFiring: Map<number, number>) {
    if (!wasFiring.has(incidentId)) wasFiring.set(incidentId, firingCount(tx, incidentId));
  }

  /** When the last firing alert resolves: say so in the channel, and resolve if configured. */
  function settleAlerts(tx: Tx, incidentId: number, firingBefore: number, at: Date) {
    if (firingBefore === 0 || firingCount(tx, incidentId) > 0) return;
    const row = incidentBrief(tx, incidentId);
    if (!row || row.state === 'resolved') return;
    const resolvedCount = countAlerts(tx, incidentId);
    const autoResolved = policy.autoResolve;
    record(
      tx,
      {
        incidentId,
        kind: 'alerts_all_resolved',
        at,
        actor: 'firebreak',
        source: 'firebreak',
        payload: { resolved: resolvedCount, autoResolved },
      },
      at,
    );
    if (autoResolved) {
      // The same resolve as a person's (listeners, reminders stopped, the message with the
      // archive offer), which also says why, so no separate "every alert resolved" message.
      resolveInTx(tx, {
        incident: getIncident(tx, incidentId),
        summary: 'Every alert resolved.',
        actor: SYSTEM,
        at,
        emit,
        automatic: true,
        archiveAfterMs: policy.archiveAfterMs,
      });
      return;
    }
    enqueueMessage(
      tx,
      incidentId,
      { kind: 'channel' },
      { type: 'alerts_all_resolved', firing: 0, resolved: resolvedCount, autoResolved },
      at,
    );
  }

  return { ingest, applyBatch };
}

export type AlertIntake = ReturnType<typeof createAlertIntake>;
