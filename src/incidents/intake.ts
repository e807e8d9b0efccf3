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
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import {
  type Actor,
  type AlertListener,
  type AlertSeen,
  emitEvent,
  type IncidentEvent,
  type IncidentListener,
  SYSTEM,
} from './events.js';
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
  store: Store;
  now: () => Date;
  catalog: Catalog;
  policy: IntakePolicy;
  /** Called after a commit that enqueued side effects. */
  kick: () => void;
  /** Told about incidents opened (and severities raised) inside the transaction. */
  listeners?: readonly IncidentListener[];
  /** Told about every alert applied, inside the transaction. */
  alertListeners?: readonly AlertListener[];
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
 * changes nothing. Everything happens in one unit of work with the outbox rows,
 * so a 202 means the alerts and their Slack effects are on disk.
 *
 * This is the shell: it reads through src/store/intake.ts (prepared statements: the hot path),
 * lets src/incidents/intake-decide.ts decide, and applies the decision. Per alert that is two
 * short read → decide → apply steps, since a batch's later alerts see its earlier writes.
 */
export function createAlertIntake(deps: IntakeDeps) {
  const { store, now, catalog, policy } = deps;
  const emit = (tx: Tx, event: IncidentEvent) => emitEvent(deps.listeners ?? [], tx, event);
  const sourceActor = (alert: NormalizedAlert): Actor => ({
    id: alert.source,
    source: alert.source,
  });

  /** Applies alerts inside the caller's transaction (the inbox processes many deliveries in one). */
  async function applyBatch(
    tx: Tx,
    batch: readonly NormalizedAlert[],
    at: Date,
  ): Promise<IntakeResult> {
    const touched = new Set<number>();
    const opened: number[] = [];
    /** incident → alerts firing before this batch first changed it (for settling). */
    const wasFiring = new Map<number, number>();
    /** incident → alerts cut from the latest notification that reached it. */
    const cuts = new Map<number, { cut: number; source: NormalizedAlert['source'] }>();
    let changed = 0;
    const applied: AlertSeen[] = [];
    for (const alert of batch) {
      const outcome = await apply(tx, alert, at, wasFiring);
      applied.push({ alert, incidentId: outcome.incidentId || null, at });
      if (outcome.opened) opened.push(outcome.incidentId);
      if (outcome.changed && outcome.incidentId) {
        changed++;
        touched.add(outcome.incidentId);
      }
      if (alert.cut !== undefined && outcome.incidentId)
        cuts.set(outcome.incidentId, { cut: alert.cut, source: alert.source });
    }
    for (const [incidentId, { cut, source }] of cuts) {
      const entry = decideCut(await lastRecordedCut(tx, incidentId), cut, source, at);
      if (!entry) continue;
      await record(tx, { incidentId, ...entry }, at);
      touched.add(incidentId);
    }
    for (const incidentId of touched) {
      await settle(tx, incidentId, wasFiring.get(incidentId) ?? 0, at);
      await enqueuePublish(tx, incidentId, at, { background: true });
    }
    // After the publishes: what listeners post into an incident's channel queues behind the
    // publish that creates the channel (one lane, delivered in order).
    for (const seen of applied)
      for (const listener of deps.alertListeners ?? []) await listener(tx, seen);
    return { received: batch.length, changed, opened, touched: [...touched] };
  }

  async function ingest(batch: readonly NormalizedAlert[]): Promise<IntakeResult> {
    const at = now();
    const result = await store.tx((tx) => applyBatch(tx, batch, at));
    if (result.touched.length > 0) deps.kick();
    return result;
  }

  /** Step 1: have we seen this alert before? */
  async function apply(
    tx: Tx,
    alert: NormalizedAlert,
    at: Date,
    wasFiring: Map<number, number>,
  ): Promise<Outcome> {
    const open = await findOpenAlert(tx, alert.source, alert.key);
    const latest = open ? undefined : await findLatestAlert(tx, alert.source, alert.key);
    const sighting = decideSighting({ open, latest }, alert, at);
    switch (sighting.kind) {
      case 'unknown':
        return { incidentId: 0, changed: false, opened: false };
      case 'repeat':
        await touchAlert(tx, sighting.alert.id, at);
        return { incidentId: sighting.alert.incidentId, changed: false, opened: false };
      case 'seen': {
        const { incidentId, id } = sighting.alert;
        await rememberFiring(tx, incidentId, wasFiring);
        await updateSeenAlert(tx, id, { ...sighting.update, at });
        if (sighting.entry) await record(tx, { incidentId, ...sighting.entry }, at);
        return { incidentId, changed: sighting.entry !== null, opened: false };
      }
      case 'new':
        return await arrive(tx, alert, at, wasFiring);
    }
  }

  /** Step 2: a new alert joins an open incident or opens one. */
  async function arrive(
    tx: Tx,
    alert: NormalizedAlert,
    at: Date,
    wasFiring: Map<number, number>,
  ): Promise<Outcome> {
    const service = alert.service ? catalog.resolve(alert.service).service : null;
    const facts = alertFacts(alert, service, policy);
    const home = await findHome(tx, alert.groupKey, facts);
    // Counting and finding the storm only matter when the alert would open an incident (rare).
    const homeless = home === null;
    const openedLastMinute =
      homeless && policy.maxNewPerMinute !== undefined
        ? await countOpenedByAlertsSince(
            tx,
            new Date(at.getTime() - STORM_WINDOW_MS),
            STORM_GROUP_KEY,
          )
        : 0;
    const storm = homeless
      ? await candidate(tx, await openIncidentOfGroup(tx, STORM_GROUP_KEY))
      : null;
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
      await rememberFiring(tx, incidentId, wasFiring);
      const raised = arrival.escalation;
      if (raised) {
        await updateIncident(tx, incidentId, { severity: raised.severity, updatedAt: at });
        await record(tx, { incidentId, ...raised.entry }, at);
        await emit(tx, {
          type: 'severity_changed',
          incident: await getIncident(tx, incidentId),
          actor: sourceActor(alert),
          at,
          from: raised.from,
        });
      }
      if (arrival.service) await linkService(tx, incidentId, arrival.service);
    } else {
      incidentId = await openIncident(tx, arrival.opening, policy, at);
      if (arrival.announce)
        await enqueueMessage(tx, incidentId, { kind: 'announce' }, arrival.announce, at);
    }
    await insertFiringAlert(tx, { incidentId, ...arrival.alert });
    await record(tx, { incidentId, ...arrival.entry }, at);
    const opened = arrival.kind === 'open';
    if (opened)
      await emit(tx, {
        type: 'opened',
        incident: await getIncident(tx, incidentId),
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
  async function findHome(
    tx: Tx,
    groupKey: string | null,
    facts: AlertFacts,
  ): Promise<Candidate | null> {
    const byGroup = groupKey ? await openIncidentOfGroup(tx, groupKey) : null;
    if (byGroup !== null) return await candidate(tx, byGroup);
    const gathered = groupKey ? await gatheringIncidentOf(tx, groupKey, STORM_GROUP_KEY) : null;
    if (gathered !== null) return await candidate(tx, gathered);
    const { service, environment } = facts;
    return await candidate(
      tx,
      service ? await openIncidentOfService(tx, service, environment) : null,
    );
  }

  const candidate = async (tx: Tx, id: number | null): Promise<Candidate | null> =>
    id === null ? null : { id, severity: (await incidentBrief(tx, id))?.severity };

  /** Counts the incident's firing alerts before this batch first changes it. */
  async function rememberFiring(tx: Tx, incidentId: number, wasFiring: Map<number, number>) {
    if (!wasFiring.has(incidentId))
      wasFiring.set(incidentId, await countFiringAlerts(tx, incidentId));
  }

  /** Step 3: when the last firing alert resolves, say so in the channel, and resolve if configured. */
  async function settle(tx: Tx, incidentId: number, firingBefore: number, at: Date) {
    // Nothing was firing before: nothing can have become all-resolved, and this read is skipped.
    const firingNow = firingBefore > 0 ? await countFiringAlerts(tx, incidentId) : 0;
    if (!lastAlertResolved(firingBefore, firingNow)) return;
    const state = (await incidentBrief(tx, incidentId))?.state;
    const settlement = decideSettlement(
      { incident: state, alerts: await countAlerts(tx, incidentId) },
      policy,
      at,
    );
    if (!settlement) return;
    await record(tx, { incidentId, ...settlement.entry }, at);
    const followUp = settlement.followUp;
    if (followUp.kind === 'resolve') {
      await resolveInTx(tx, {
        incident: await getIncident(tx, incidentId),
        summary: followUp.summary,
        actor: SYSTEM,
        at,
        emit,
        automatic: true,
        archiveAfterMs: followUp.archiveAfterMs,
      });
      return;
    }
    await enqueueMessage(tx, incidentId, { kind: 'channel' }, followUp.message, at);
  }

  return { ingest, applyBatch };
}

export type AlertIntake = ReturnType<typeof createAlertIntake>;
