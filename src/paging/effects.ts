import { z } from 'zod';
import { defineEffect } from '../outbox/effects.js';
import type { PageRow } from '../store/paging.js';
import type { Tx } from '../store/unit-of-work.js';

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

export async function enqueuePagerCall(
  tx: Tx,
  call: PagerCall,
  page: PageRow,
  now: Date,
): Promise<void> {
  await pagerCalls[call].enqueue(
    tx,
    { lane: pagerLane(page.incidentId), payload: { pageId: page.id } },
    now,
  );
}

export async function enqueueOwnerLookup(tx: Tx, lookup: OwnerLookup, now: Date): Promise<void> {
  await ownerLookupEffect.enqueue(tx, { lane: ownerLane(lookup.incidentId), payload: lookup }, now);
}
