import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Incident } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { type IncidentRow, incidentServices, incidents } from './schema.js';
import type { DbOrTx } from './sqlite.js';

/** The stored incident: the domain fields plus what the chat edge has achieved so far. */
export type { IncidentRow };
/** The columns a new incident is written with (the id comes from the database). */
export type NewIncident = Omit<typeof incidents.$inferInsert, 'id'>;
/** The columns a change writes; the ones left out keep their value. */
export type IncidentChanges = Partial<NewIncident>;

export function toIncident(row: IncidentRow, services: string[]): Incident {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    severity: row.severity,
    state: row.state,
    ownerId: row.ownerId,
    services,
    environment: row.environment,
    source: row.source,
    channelId: row.channelId,
    channelName: row.channelName,
    impactStartedAt: row.impactStartedAt,
    detectedAt: row.detectedAt,
    declaredAt: row.declaredAt,
    acknowledgedAt: row.acknowledgedAt,
    mitigatedAt: row.mitigatedAt,
    resolvedAt: row.resolvedAt,
    resolution: row.resolution,
    createdBy: row.createdBy,
  };
}

export function servicesOf(db: DbOrTx, incidentId: number): string[] {
  return db
    .select({ service: incidentServices.service })
    .from(incidentServices)
    .where(eq(incidentServices.incidentId, incidentId))
    .orderBy(asc(incidentServices.service))
    .all()
    .map((r) => r.service);
}

export function findIncidentRow(db: DbOrTx, id: number): IncidentRow | undefined {
  return db.select().from(incidents).where(eq(incidents.id, id)).get();
}

export function findIncident(db: DbOrTx, id: number): Incident | null {
  const row = findIncidentRow(db, id);
  return row ? toIncident(row, servicesOf(db, id)) : null;
}

export function getIncident(db: DbOrTx, id: number): Incident {
  const incident = findIncident(db, id);
  if (!incident) throw new AppError('not_found', `There is no incident INC-${id}.`);
  return incident;
}

/** Incidents are found by their channel id, never by the channel's name. */
export function findIncidentByChannel(db: DbOrTx, channelId: string): Incident | null {
  const row = db.select().from(incidents).where(eq(incidents.channelId, channelId)).get();
  return row ? toIncident(row, servicesOf(db, row.id)) : null;
}

export function openIncidents(db: DbOrTx): Incident[] {
  return withServices(
    db,
    db
      .select()
      .from(incidents)
      .where(ne(incidents.state, 'resolved'))
      .orderBy(asc(incidents.id))
      .all(),
  );
}

/** Rows → incidents, with every incident's services read in one query. */
export function withServices(db: DbOrTx, rows: readonly IncidentRow[]): Incident[] {
  if (rows.length === 0) return [];
  const links = db
    .select()
    .from(incidentServices)
    .where(
      inArray(
        incidentServices.incidentId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(incidentServices.service))
    .all();
  return rows.map((r) =>
    toIncident(
      r,
      links.filter((l) => l.incidentId === r.id).map((l) => l.service),
    ),
  );
}

export function addServices(tx: DbOrTx, incidentId: number, services: readonly string[]): string[] {
  const added: string[] = [];
  for (const service of services) {
    const result = tx
      .insert(incidentServices)
      .values({ incidentId, service })
      .onConflictDoNothing()
      .run();
    if (result.changes > 0) added.push(service);
  }
  return added;
}

export function hasService(tx: DbOrTx, incidentId: number, service: string): boolean {
  return Boolean(
    tx
      .select({ id: incidentServices.incidentId })
      .from(incidentServices)
      .where(
        and(eq(incidentServices.incidentId, incidentId), eq(incidentServices.service, service)),
      )
      .get(),
  );
}

/** Every incident row, oldest first. */
export function listIncidentRows(db: DbOrTx): IncidentRow[] {
  return db.select().from(incidents).orderBy(asc(incidents.id)).all();
}

/** Writes a new incident and returns its number. */
export function insertIncident(tx: DbOrTx, values: NewIncident): number {
  return tx.insert(incidents).values(values).returning({ id: incidents.id }).get().id;
}

export function updateIncident(tx: DbOrTx, id: number, changes: IncidentChanges): void {
  tx.update(incidents).set(changes).where(eq(incidents.id, id)).run();
}
