import { and, count, desc, eq, gte, ne, type SQL } from 'drizzle-orm';
import type { Incident, Severity, State } from '../domain/incident.js';
import { withServices } from './incidents.js';
import { incidents } from './schema.js';
import type { Tx } from './sqlite.js';

// Read-only incident queries for the API, the metrics endpoint and the tests.

export interface IncidentFilter {
  /** `open` means any state but resolved; absent: every state. */
  state?: State | 'open';
  /** Declared at or after. */
  since?: Date;
  limit: number;
  /** Private incidents are left out unless this is true. */
  includePrivate?: boolean;
}

/** Incidents matching the filter, newest first. */
export async function listIncidents(tx: Tx, filter: IncidentFilter): Promise<Incident[]> {
  const where: (SQL | undefined)[] = [
    filter.state === 'open'
      ? ne(incidents.state, 'resolved')
      : filter.state
        ? eq(incidents.state, filter.state)
        : undefined,
    filter.since ? gte(incidents.declaredAt, filter.since) : undefined,
    filter.includePrivate ? undefined : eq(incidents.private, false),
  ];
  const rows = tx
    .select()
    .from(incidents)
    .where(and(...where))
    .orderBy(desc(incidents.id))
    .limit(filter.limit)
    .all();
  return await withServices(tx, rows);
}

/** How many incidents are not resolved, per severity (a severity with none is absent). */
export async function openIncidentsBySeverity(
  tx: Tx,
): Promise<{ severity: Severity; n: number }[]> {
  return tx
    .select({ severity: incidents.severity, n: count() })
    .from(incidents)
    .where(ne(incidents.state, 'resolved'))
    .groupBy(incidents.severity)
    .all();
}

/** How many incidents there are, resolved ones included. */
export async function countIncidents(tx: Tx): Promise<number> {
  return tx.select({ n: count() }).from(incidents).get()?.n ?? 0;
}
