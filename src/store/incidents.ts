import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Incident } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { type IncidentRow, incidentServices, incidents } from './schema.js';
import type { Tx } from './sqlite.js';

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
    private: row.private,
  };
}

export async function servicesOf(tx: Tx, incidentId: number): Promise<string[]> {
  return tx
    .select({ service: incidentServices.service })
    .from(incidentServices)
    .where(eq(incidentServices.incidentId, incidentId))
    .orderBy(asc(incidentServices.service))
    .all()
    .map((r) => r.service);
}

export async function findIncidentRow(tx: Tx, id: number): Promise<IncidentRow | undefined> {
  return tx.select().from(incidents).where(eq(incidents.id, id)).get();
}

export async function findIncident(tx: Tx, id: number): Promise<Incident | null> {
  const row = await findIncidentRow(tx, id);
  return row ? toIncident(row, await servicesOf(tx, id)) : null;
}

export async function getIncident(tx: Tx, id: number): Promise<Incident> {
  const incident = await findIncident(tx, id);
  if (!incident) throw new AppError('not_found', `There is no incident INC-${id}.`);
  return incident;
}

/** Incidents are found by their channel id, never by the channel's name. */
export async function findIncidentByChannel(tx: Tx, channelId: string): Promise<Incident | null> {
  const row = tx.select().from(incidents).where(eq(incidents.channelId, channelId)).get();
  return row ? toIncident(row, await servicesOf(tx, row.id)) : null;
}

export async function openIncidents(tx: Tx): Promise<Incident[]> {
  return withServices(
    tx,
    tx
      .select()
      .from(incidents)
      .where(ne(incidents.state, 'resolved'))
      .orderBy(asc(incidents.id))
      .all(),
  );
}

/** Rows → incidents, with every incident's services read in one query. */
export async function withServices(tx: Tx, rows: readonly IncidentRow[]): Promise<Incident[]> {
  if (rows.length === 0) return [];
  const links = tx
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

export async function addServices(
  tx: Tx,
  incidentId: number,
  services: readonly string[],
): Promise<string[]> {
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

export async function hasService(tx: Tx, incidentId: number, service: string): Promise<boolean> {
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
export async function listIncidentRows(tx: Tx): Promise<IncidentRow[]> {
  return tx.select().from(incidents).orderBy(asc(incidents.id)).all();
}

/** Writes a new incident and returns its number. */
export async function insertIncident(tx: Tx, values: NewIncident): Promise<number> {
  return tx.insert(incidents).values(values).returning({ id: incidents.id }).get().id;
}

export async function updateIncident(tx: Tx, id: number, changes: IncidentChanges): Promise<void> {
  tx.update(incidents).set(changes).where(eq(incidents.id, id)).run();
}
