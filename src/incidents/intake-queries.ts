import { and, count, desc, eq, ne, sql } from 'drizzle-orm';
import { alerts, incidentServices, incidents, timelineEvents } from '../store/schema.js';
import { type DbOrTx, prepared } from '../store/sqlite.js';
import { STORM_GROUP_KEY } from './storm.js';

const p = sql.placeholder;

const alertColumns = {
  id: alerts.id,
  incidentId: alerts.incidentId,
  status: alerts.status,
  title: alerts.title,
  service: alerts.service,
  startsAt: alerts.startsAt,
};

/**
 * The statements the alert intake runs for every alert, prepared once per connection: a storm
 * runs them tens of thousands of times, and building a drizzle query costs far more than
 * running it (see bench/ingest.ts).
 */
export const intakeQueries = (db: DbOrTx) =>
  prepared(db, 'intake', (d) => ({
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
          sql`coalesce(${incidents.groupKey}, '') <> ${STORM_GROUP_KEY}`,
        ),
      )
      .prepare(),
    openStorm: d
      .select({ id: incidents.id })
      .from(incidents)
      .where(and(eq(incidents.groupKey, STORM_GROUP_KEY), ne(incidents.state, 'resolved')))
      .prepare(),
    /** The open storm incident a group was gathered into. */
    gatheredGroup: d
      .select({ id: incidents.id })
      .from(alerts)
      .innerJoin(incidents, eq(incidents.id, alerts.incidentId))
      .where(
        and(
          eq(alerts.groupKey, p('groupKey')),
          eq(incidents.groupKey, STORM_GROUP_KEY),
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
