import { z } from 'zod';

// Schemas, because these messages travel through the outbox as JSON and are checked when they
// come back out; the types are derived from them so the two cannot drift.

export const PagerDutyUpdate = z.enum([
  'triggered',
  'acknowledged',
  'escalated',
  'reassigned',
  'resolved',
]);
export type PagerDutyUpdate = z.infer<typeof PagerDutyUpdate>;

/** What the channel is told about paging and PagerDuty; rendered by src/slack/blocks/paging.ts. */
export const PagingMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('page_requested'), by: z.string(), service: z.string() }),
  z.object({ type: z.literal('page_retrying'), service: z.string(), reason: z.string() }),
  z.object({
    type: z.literal('page_triggered'),
    service: z.string(),
    pdIncidentId: z.string().nullable(),
    htmlUrl: z.string().nullable(),
    assignees: z.array(z.string()),
    /** PagerDuty already had this page open: nothing new was paged. */
    existing: z.boolean(),
  }),
  z.object({ type: z.literal('page_failed'), service: z.string(), reason: z.string() }),
  z.object({
    type: z.literal('pagerduty_update'),
    event: PagerDutyUpdate,
    pdIncidentId: z.string(),
    htmlUrl: z.string().nullable(),
    title: z.string(),
    /** Who did it in PagerDuty, by name. */
    who: z.string().nullable(),
    assignees: z.array(z.string()),
    /** Pages of this incident still open in PagerDuty (after this event). */
    openPages: z.number(),
    autoResolved: z.boolean(),
  }),
  z.object({
    type: z.literal('owner_from_pagerduty'),
    ownerId: z.string(),
    pagerUser: z.string(),
    reason: z.enum(['on_call', 'acknowledged', 'assigned']),
  }),
]);
export type PagingMessage = z.infer<typeof PagingMessage>;
