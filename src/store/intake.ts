import { and, count, desc, eq, ne, sql } from 'drizzle-orm';
import type { AlertSource, AlertStatus, Severity, State } from '../domain/incident.js';
import { alerts, incidentServices, incidents, timelineEvents } from './schema.js';
import { prepared, type Tx } from './sqlite.js';

/**
 * The queries the alert intake runs for every alert (src/incidents/intake.ts). They span alerts,
 * incidents and the timeline, and live together because they are the hot path: a storm runs
 * them tens of thousands of times, and building a drizzle query costs far more than running it
 * (see bench/ingest.ts), so each is prepared once per connection.
 */

const p = sql.placeholder;

const alertColumns = {
  id: alerts.id,
  incidentId: alerts.incidentId,
  status: alerts.status,
  title: alerts.title,
  service: alerts.service,
  startsAt: alerts.startsAt,
};

const statements = (tx: Tx) =>
  prepared(tx, 'intake', (d) => ({
    /** The alert as held by an open incident (the usual case for updates). */
    openAlert: d
      .select(alertColumns)
      .from(alerts)
      .innerJoin(incidents, eq(incidents.id, alerts.incidentId))
      .where(
        and(
          eq(alerts.source, p('source')),
          eq(alerts.dedupeKey, p('key')),
          ne(incidents.state, 'resolved'),
        ),
      )
      .orderBy(desc(alerts.id))
      .limit(1)
      .prepare(),
    latestAlert: d
      .select(alertColumns)
      .from(alerts)
      .where(and(eq(alerts.source, p('source')), eq(alerts.dedupeKey, p('key'))))
      .orderBy(desc(alerts.id))
      .limit(1)
      .prepare(),
    // drizzle does not encode placeholders in `set`: these take driver values (epoch ms).
    updateAlert: d
      .update(alerts)
      .set({
        status: sql`${p('status')}`,
        lastSeenAt: sql`${p('atMs')}`,
        endsAt: sql`${p('endsAtMs')}`,
        startsAt: sql`${p('startsAtMs')}`,
      })
      .where(eq(alerts.id, p('id')))
      .prepare(),
    touchAlert: d
      .update(alerts)
      .set({ lastSeenAt: sql`${p('atMs')}` })
      .where(eq(alerts.id, p('id')))
      .prepare(),
    insertAlert: d
      .insert(alerts)
      .values({
        incidentId: p('incidentId'),
        source: p('source'),
        dedupeKey: p('dedupeKey'),
        groupKey: p('groupKey'),
        status: 'firing',
        title: p('title'),
        description: p('description'),
        service: p('service'),
        environment: p('environment'),
        severity: p('severity'),
        labels: p('labels'),
        annotations: p('annotations'),
        url: p('url'),
        // Nullable times: drizzle's encoder cannot take null through a placeholder, so epoch ms.
        startsAt: sql`${p('startsAtMs')}`,
        endsAt: sql`${p('endsAtMs')}`,
        firstSeenAt: p('at'),
        lastSeenAt: p('at'),
      })
      .prepare(),
    openByGroup: d
      .select({ id: incidents.id })
      .from(incidents)
      .where(and(eq(incidents.groupKey, p('groupKey')), ne(incidents.state, 'resolved')))
      .prepare(),
    /** Incidents opened by alerts since then (the storm incident itself not counted). */
    openedSince: d
      .select({ n: count() })
      .from(incidents)
      .where(
        and(
          eq(incidents.source, 'alert'),
          // Epoch ms: drizzle does not encode a Date placeholder here.
          sql`${incidents.createdAt} >= ${p('sinceMs')}`,
          sql`coalesce(${incidents.groupKey}, '') <> ${p('stormKey')}`,
        ),
      )
      .prepare(),
    /** The open storm incident a group was gathered into. */
    gatheredGroup: d
      .select({ id: incidents.id })
      .from(alerts)
      .innerJoin(incidents, eq(incidents.id, alerts.incidentId))
      .where(
        and(
          eq(alerts.groupKey, p('groupKey')),
          eq(incidents.groupKey, p('stormKey')),
          ne(incidents.state, 'resolved'),
        ),
      )
      .limit(1)
      .prepare(),
    /** The cut count last recorded for an incident (alerts left out of a notification). */
    lastCut: d
      .select({ payload: timelineEvents.payload })
      .from(timelineEvents)
      .where(and(eq(timelineEvents.incidentId, p('id')), eq(timelineEvents.kind, 'alerts_cut')))
      .orderBy(desc(timelineEvents.seq))
      .limit(1)
      .prepare(),
    openByService: d
      .select({ id: incidents.id })
      .from(incidents)
      .innerJoin(incidentServices, eq(incidentServices.incidentId, incidents.id))
      .where(
        and(
          eq(incidentServices.service, p('service')),
          eq(incidents.environment, p('environment')),
          ne(incidents.state, 'resolved'),
        ),
      )
      .orderBy(desc(incidents.id))
      .limit(1)
      .prepare(),
    incidentBrief: d
      .select({
        severity: incidents.severity,
        state: incidents.state,
        mitigatedAt: incidents.mitigatedAt,
      })
      .from(incidents)
      .where(eq(incidents.id, p('id')))
      .prepare(),
    firing: d
      .select({ n: count() })
      .from(alerts)
      .where(and(eq(alerts.incidentId, p('id')), eq(alerts.status, 'firing')))
      .prepare(),
    all: d
      .select({ n: count() })
      .from(alerts)
      .where(eq(alerts.incidentId, p('id')))
      .prepare(),
    addService: d
      .insert(incidentServices)
      .values({ incidentId: p('id'), service: p('service') })
      .onConflictDoNothing()
      .prepare(),
  }));

/** What the intake needs to know about an alert it has seen before. */
export interface KnownAlert {
  id: number;
  incidentId: number;
  status: AlertStatus;
  title: string;
  service: string | null;
  startsAt: Date | null;
}

/** The alert with this identity held by an open incident, if any. */
export async function findOpenAlert(
  tx: Tx,
  source: AlertSource,
  key: string,
): Promise<KnownAlert | undefined> {
  return statements(tx).openAlert.get({ source, key });
}

/** The latest alert with this identity, whatever the state of its incident. */
export async function findLatestAlert(
  tx: Tx,
  source: AlertSource,
  key: string,
): Promise<KnownAlert | undefined> {
  return statements(tx).latestAlert.get({ source, key });
}

/** A known alert seen again: its status and times as the latest notification says. */
export async function updateSeenAlert(
  tx: Tx,
  id: number,
  seen: { status: AlertStatus; at: Date; startsAt: Date | null; endsAt: Date | null },
): Promise<void> {
  statements(tx).updateAlert.run({
    id,
    status: seen.status,
    atMs: seen.at.getTime(),
    endsAtMs: seen.endsAt?.getTime() ?? null,
    startsAtMs: seen.startsAt?.getTime() ?? null,
  });
}

/** A repeat of a known alert that changes nothing but when it was last seen. */
export async function touchAlert(tx: Tx, id: number, at: Date): Promise<void> {
  statements(tx).touchAlert.run({ id, atMs: at.getTime() });
}

export interface NewFiringAlert {
  incidentId: number;
  source: AlertSource;
  dedupeKey: string;
  groupKey: string | null;
  title: string;
  description: string | null;
  service: string | null;
  environment: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  url: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  /** When it was first (and last) seen. */
  at: Date;
}

export async function insertFiringAlert(tx: Tx, alert: NewFiringAlert): Promise<void> {
  const { startsAt, endsAt, ...rest } = alert;
  statements(tx).insertAlert.run({
    ...rest,
    startsAtMs: startsAt?.getTime() ?? null,
    endsAtMs: endsAt?.getTime() ?? null,
  });
}

/** The open incident of an alert group (the storm incident's group key finds the storm). */
export async function openIncidentOfGroup(tx: Tx, groupKey: string): Promise<number | null> {
  return statements(tx).openByGroup.get({ groupKey })?.id ?? null;
}

/** The open incident whose group is `stormKey` that alerts of this group were gathered into. */
export async function gatheringIncidentOf(
  tx: Tx,
  groupKey: string,
  stormKey: string,
): Promise<number | null> {
  return statements(tx).gatheredGroup.get({ groupKey, stormKey })?.id ?? null;
}

/** The latest open incident of a service in an environment. */
export async function openIncidentOfService(
  tx: Tx,
  service: string,
  environment: string,
): Promise<number | null> {
  return statements(tx).openByService.get({ service, environment })?.id ?? null;
}

/** Incidents opened by alerts since then, not counting the one of group `stormKey`. */
export async function countOpenedByAlertsSince(
  tx: Tx,
  since: Date,
  stormKey: string,
): Promise<number> {
  return statements(tx).openedSince.get({ sinceMs: since.getTime(), stormKey })?.n ?? 0;
}

/** The cut count last recorded for an incident (alerts left out of a notification); 0 if none. */
export async function lastRecordedCut(tx: Tx, incidentId: number): Promise<number> {
  const cut = statements(tx).lastCut.get({ id: incidentId })?.payload.cut;
  return typeof cut === 'number' ? cut : 0;
}

/** The few incident fields the intake decides on, without reading the whole row. */
export async function incidentBrief(
  tx: Tx,
  id: number,
): Promise<{ severity: Severity; state: State; mitigatedAt: Date | null } | undefined> {
  return statements(tx).incidentBrief.get({ id });
}

export async function countFiringAlerts(tx: Tx, incidentId: number): Promise<number> {
  return statements(tx).firing.get({ id: incidentId })?.n ?? 0;
}

export async function countAlerts(tx: Tx, incidentId: number): Promise<number> {
  return statements(tx).all.get({ id: incidentId })?.n ?? 0;
}

/** Adds a service to an incident; nothing happens when it is already there. */
export async function linkService(tx: Tx, incidentId: number, service: string): Promise<void> {
  statements(tx).addService.run({ id: incidentId, service });
}
