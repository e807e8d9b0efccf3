import type { Catalog } from '../catalog.js';
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
import {
  type AlertFacts,
  alertFacts,
  type Candidate,
  decideArrival,
  decideCut,
  decideSettlement,
  decideSighting,
  type IntakePolicy,
  lastAlertResolved,
} from './intake-decide.js';
import { openIncident } from './open.js';
import { resolveInTx } from './resolution.js';
import { STORM_GROUP_KEY, STORM_WINDOW_MS } from './storm.js';

export type { IntakePolicy };

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

interface Outcome {
  incidentId: number;
  changed: boolean;
  opened: boolean;
}

/**
 * Turns normalized alerts into incidents: one incident per alert group (and per open incident
 * of the same service and environment), never one per alert. Redelivering the same alerts
 * changes nothing. Everything happens in one synchronous transaction with the outbox rows,
 * so a 202 means the alerts and their Slack effects are on disk.
 *
 * This is the shell: it reads through src/store/intake.ts (prepared statements: the hot path),
 * lets src/incidents/intake-decide.ts decide, and applies the decision. Per alert that is two
 * short read → decide → apply steps, since a batch's later alerts see its earlier writes.
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
    /** incident → alerts firing before this batch first changed it (for settling). */
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
    for (const [incidentId, { cut, source }] of cuts) {
      const entry = decideCut(lastRecordedCut(tx, incidentId), cut, source, at);
      if (!entry) continue;
      record(tx, { incidentId, ...entry }, at);
      touched.add(incidentId);
    }
    for (const incidentId of touched) {
      settle(tx, incidentId, wasFiring.get(incidentId) ?? 0, at);
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

  /** Step 1: have we seen this alert before? */
  function apply(
    tx: Tx,
    alert: NormalizedAlert,
    at: Date,
    wasFiring: Map<number, number>,
  ): Outcome {
    const open = findOpenAlert(tx, alert.source, alert.key);
    const latest = open ? undefined : findLatestAlert(tx, alert.source, alert.key);
    const sighting = decideSighting({ open, latest }, alert, at);
    switch (sighting.kind) {
      case 'unknown':
        return { incidentId: 0, changed: false, opened: false };
      case 'repeat':
        touchAlert(tx, sighting.alert.id, at);
        return { incidentId: sighting.alert.incidentId, changed: false, opened: false };
      case 'seen': {
        const { incidentId, id } = sighting.alert;
        rememberFiring(tx, incidentId, wasFiring);
        updateSeenAlert(tx, id, { ...sighting.update, at });
        if (sighting.entry) record(tx, { incidentId, ...sighting.entry }, at);
        return { incidentId, changed: sighting.entry !== null, opened: false };
      }
      case 'new':
        return arrive(tx, alert, at, wasFiring);
    }
  }

  /** Step 2: a new alert joins an open incident or opens one. */
  function arrive(
    tx: Tx,
    alert: NormalizedAlert,
    at: Date,
    wasFiring: Map<number, number>,
  ): Outcome {
    const service = alert.service ? catalog.resolve(alert.service).service : null;
    const facts = alertFacts(alert, service, policy);
    const home = findHome(tx, alert.groupKey, facts);
    // Counting and finding the storm only matter when the alert would open an incident (rare).
    const homeless = home === null;
    const openedLastMinute =
      homeless && policy.maxNewPerMinute !== undefined
        ? countOpenedByAlertsSince(tx, new Date(at.getTime() - STORM_WINDOW_MS), STORM_GROUP_KEY)
        : 0;
    const storm = homeless ? candidate(tx, openIncidentOfGroup(tx, STORM_GROUP_KEY)) : null;
    const ownerId = service ? (catalog.owners(service)[0] ?? null) : null;
    const arrival = decideArrival(
      { home, openedLastMinute, storm, ownerId },
      alert,
      facts,
      policy,
      at,
    );

    let incidentId: number;
    if (arrival.kind === 'join') {
      incidentId = arrival.incidentId;
      rememberFiring(tx, incidentId, wasFiring);
      const raised = arrival.escalation;
      if (raised) {
        updateIncident(tx, incidentId, { severity: raised.severity, updatedAt: at });
        record(tx, { incidentId, ...raised.entry }, at);
        emit(tx, {
          type: 'severity_changed',
          incident: getIncident(tx, incidentId),
          actor: sourceActor(alert),
          at,
          from: raised.from,
        });
      }
      if (arrival.service) linkService(tx, incidentId, arrival.service);
    } else {
      incidentId = openIncident(tx, arrival.opening, policy, at);
      if (arrival.announce)
        enqueueMessage(tx, incidentId, { kind: 'announce' }, arrival.announce, at);
    }
    insertFiringAlert(tx, { incidentId, ...arrival.alert });
    record(tx, { incidentId, ...arrival.entry }, at);
    const opened = arrival.kind === 'open';
    if (opened)
      emit(tx, {
        type: 'opened',
        incident: getIncident(tx, incidentId),
        actor: sourceActor(alert),
        at,
      });
    return { incidentId, changed: true, opened };
  }

  /**
   * The open incident a new alert belongs to: its group's, else the storm its group was
   * gathered into, else its service's in its environment. Queried one after another, not all
   * at once: the first usually answers, and this runs for every new alert.
   */
  function findHome(tx: Tx, groupKey: string | null, facts: AlertFacts): Candidate | null {
    const byGroup = groupKey ? openIncidentOfGroup(tx, groupKey) : null;
    if (byGroup !== null) return candidate(tx, byGroup);
    const gathered = groupKey ? gatheringIncidentOf(tx, groupKey, STORM_GROUP_KEY) : null;
    if (gathered !== null) return candidate(tx, gathered);
    const { service, environment } = facts;
    return candidate(tx, service ? openIncidentOfService(tx, service, environment) : null);
  }

  const candidate = (tx: Tx, id: number | null): Candidate | null =>
    id === null ? null : { id, severity: incidentBrief(tx, id)?.severity };

  /** Counts the incident's firing alerts before this batch first changes it. */
  function rememberFiring(tx: Tx, incidentId: number, wasFiring: Map<number, number>) {
    if (!wasFiring.has(incidentId)) wasFiring.set(incidentId, countFiringAlerts(tx, incidentId));
  }

  /** Step 3: when the last firing alert resolves, say so in the channel, and resolve if configured. */
  function settle(tx: Tx, incidentId: number, firingBefore: number, at: Date) {
    // Nothing was firing before: nothing can have become all-resolved, and this read is skipped.
    const firingNow = firingBefore > 0 ? countFiringAlerts(tx, incidentId) : 0;
    if (!lastAlertResolved(firingBefore, firingNow)) return;
    const state = incidentBrief(tx, incidentId)?.state;
    const settlement = decideSettlement(
      { incident: state, alerts: countAlerts(tx, incidentId) },
      policy,
      at,
    );
    if (!settlement) return;
    record(tx, { incidentId, ...settlement.entry }, at);
    const followUp = settlement.followUp;
    if (followUp.kind === 'resolve') {
      resolveInTx(tx, {
        incident: getIncident(tx, incidentId),
        summary: followUp.summary,
        actor: SYSTEM,
        at,
        emit,
        automatic: true,
        archiveAfterMs: followUp.archiveAfterMs,
      });
      return;
    }
    enqueueMessage(tx, incidentId, { kind: 'channel' }, followUp.message, at);
  }

  return { ingest, applyBatch };
}

export type AlertIntake = ReturnType<typeof createAlertIntake>;
