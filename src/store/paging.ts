import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { alerts, type PageRow, pages, userDirectory } from './schema.js';
import type { Tx } from './sqlite.js';

export type { PageRow };
export type NewPage = Omit<typeof pages.$inferInsert, 'id'>;
export type PageChanges = Partial<NewPage>;

export const OPEN_PAGE_STATUSES = ['requested', 'triggered', 'acknowledged'] as const;

export const findPage = async (tx: Tx, id: number): Promise<PageRow | undefined> =>
  tx.select().from(pages).where(eq(pages.id, id)).get();

export const pagesOf = async (tx: Tx, incidentId: number): Promise<PageRow[]> =>
  tx.select().from(pages).where(eq(pages.incidentId, incidentId)).orderBy(asc(pages.id)).all();

export const openPagesOf = async (tx: Tx, incidentId: number): Promise<PageRow[]> =>
  tx
    .select()
    .from(pages)
    .where(and(eq(pages.incidentId, incidentId), inArray(pages.status, [...OPEN_PAGE_STATUSES])))
    .orderBy(asc(pages.id))
    .all();

/** The newest page we sent for this incident and service. */
export const latestPage = async (
  tx: Tx,
  incidentId: number,
  service: string,
): Promise<PageRow | undefined> =>
  tx
    .select()
    .from(pages)
    .where(and(eq(pages.incidentId, incidentId), eq(pages.service, service)))
    .orderBy(desc(pages.id))
    .limit(1)
    .get();

/** The page linked to this PagerDuty incident (at most one: pd_incident_id is unique). */
export const pageOfPagerDutyIncident = async (
  tx: Tx,
  pdIncidentId: string,
): Promise<PageRow | undefined> =>
  tx.select().from(pages).where(eq(pages.pdIncidentId, pdIncidentId)).get();

export const pageWithIncidentKey = async (
  tx: Tx,
  incidentKey: string,
): Promise<PageRow | undefined> =>
  tx.select().from(pages).where(eq(pages.incidentKey, incidentKey)).get();

/** Our newest page on this PagerDuty service whose trigger call has not been answered yet. */
export const pageInFlightOn = async (tx: Tx, pdServiceId: string): Promise<PageRow | undefined> =>
  tx
    .select()
    .from(pages)
    .where(
      and(
        eq(pages.pdServiceId, pdServiceId),
        eq(pages.status, 'requested'),
        eq(pages.origin, 'firebreak'),
      ),
    )
    .orderBy(desc(pages.id))
    .limit(1)
    .get();

export const insertPage = async (tx: Tx, page: NewPage): Promise<PageRow> =>
  tx.insert(pages).values(page).returning().get();

export async function setPage(tx: Tx, id: number, values: PageChanges): Promise<void> {
  tx.update(pages).set(values).where(eq(pages.id, id)).run();
}

export interface PagerDutyAlert {
  incidentId: number;
  status: 'firing' | 'resolved';
  url: string | null;
}

/** The alert the intake keeps for a PagerDuty incident that paged first (the newest). */
export async function pagerDutyAlert(
  tx: Tx,
  pdIncidentId: string,
): Promise<PagerDutyAlert | undefined> {
  return tx
    .select({ incidentId: alerts.incidentId, status: alerts.status, url: alerts.url })
    .from(alerts)
    .where(and(eq(alerts.source, 'pagerduty'), eq(alerts.dedupeKey, pdIncidentId)))
    .orderBy(desc(alerts.id))
    .limit(1)
    .get();
}

export interface DirectoryEntry {
  email: string;
  /** Null when the chat platform knows nobody with this e-mail. */
  slackUserId: string | null;
  fetchedAt: Date;
}

/** A cached e-mail → chat user mapping; `email` as stored (trimmed, lower case). */
export const directoryEntry = async (tx: Tx, email: string): Promise<DirectoryEntry | undefined> =>
  tx.select().from(userDirectory).where(eq(userDirectory.email, email)).get();

export async function saveDirectoryEntry(tx: Tx, entry: DirectoryEntry): Promise<void> {
  tx.insert(userDirectory)
    .values(entry)
    .onConflictDoUpdate({
      target: userDirectory.email,
      set: { slackUserId: entry.slackUserId, fetchedAt: entry.fetchedAt },
    })
    .run();
}

/** Every cached e-mail → chat user mapping, by e-mail. */
export const directoryEntries = async (tx: Tx): Promise<DirectoryEntry[]> =>
  tx.select().from(userDirectory).orderBy(asc(userDirectory.email)).all();
