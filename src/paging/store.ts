import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { defineEffect } from '../outbox/effects.js';
import { type PageRow, pages } from '../store/schema.js';
import type { DbOrTx } from '../store/sqlite.js';

export const OPEN_PAGE_STATUSES = ['requested', 'triggered', 'acknowledged'] as const;

/** Every PagerDuty call of one incident goes out in order (a resolve never overtakes its trigger). */
export const pagerLane = (incidentId: number) => `pager:incident:${incidentId}`;
/** Owner lookups wait for nobody: a page that keeps failing must not hold up the owner. */
export const ownerLane = (incidentId: number) => `pager:owner:${incidentId}`;

const pageCall = <K extends string>(kind: K) =>
  defineEffect({ kind, payload: z.object({ pageId: z.number() }) });

/** Calls to PagerDuty about one page; carried out by src/paging/delivery.ts. */
export const pagerCalls = {
  trigger: pageCall('pager.trigger'),
  acknowledge: pageCall('pager.acknowledge'),
  resolve: pageCall('pager.resolve'),
};
export type PagerCall = keyof typeof pagerCalls;

const OwnerLookup = z.object({
  incidentId: z.number(),
  /** Ask PagerDuty who is on call here… */
  escalationPolicyId: z.string().optional(),
  /** …or who this PagerDuty user is. */
  pdUserId: z.string().optional(),
  /** 'unowned': only when the incident has no owner yet; 'assign': PagerDuty reassigned it. */
  mode: z.enum(['unowned', 'assign']),
  reason: z.enum(['on_call', 'acknowledged', 'assigned']),
});
export type OwnerLookup = z.infer<typeof OwnerLookup>;

/** Who is on call becomes the owner; carried out by src/paging/delivery.ts. */
export const ownerLookupEffect = defineEffect({ kind: 'pager.lookupOwner', payload: OwnerLookup });

export function enqueuePagerCall(tx: DbOrTx, call: PagerCall, page: PageRow, now: Date): void {
  pagerCalls[call].enqueue(
    tx,
    { lane: pagerLane(page.incidentId), payload: { pageId: page.id } },
    now,
  );
}

export function enqueueOwnerLookup(tx: DbOrTx, lookup: OwnerLookup, now: Date): void {
  ownerLookupEffect.enqueue(tx, { lane: ownerLane(lookup.incidentId), payload: lookup }, now);
}

export const findPage = (db: DbOrTx, id: number): PageRow | undefined =>
  db.select().from(pages).where(eq(pages.id, id)).get();

export const pagesOf = (db: DbOrTx, incidentId: number): PageRow[] =>
  db.select().from(pages).where(eq(pages.incidentId, incidentId)).orderBy(asc(pages.id)).all();

export const openPagesOf = (db: DbOrTx, incidentId: number): PageRow[] =>
  db
    .select()
    .from(pages)
    .where(and(eq(pages.incidentId, incidentId), inArray(pages.status, [...OPEN_PAGE_STATUSES])))
    .orderBy(asc(pages.id))
    .all();

/** The newest page we sent for this incident and service. */
export const latestPage = (db: DbOrTx, incidentId: number, service: string): PageRow | undefined =>
  db
    .select()
    .from(pages)
    .where(and(eq(pages.incidentId, incidentId), eq(pages.service, service)))
    .orderBy(desc(pages.id))
    .limit(1)
    .get();

export function setPage(db: DbOrTx, id: number, values: Partial<typeof pages.$inferInsert>): void {
  db.update(pages).set(values).where(eq(pages.id, id)).run();
}
