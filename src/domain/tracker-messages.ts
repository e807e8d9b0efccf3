import { z } from 'zod';

// Schemas, because these messages travel through the outbox as JSON and are checked when they
// come back out; the types are derived from them so the two cannot drift.

export const TRACKER_KINDS = ['github', 'jira'] as const;
export type TrackerKind = (typeof TRACKER_KINDS)[number];

/** What the channel is told about follow-ups going to GitHub or Jira; rendered by slack/blocks/tracker.ts. */
export const TrackerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('followup_exported'),
    followupId: z.number(),
    text: z.string(),
    tracker: z.enum(TRACKER_KINDS),
    key: z.string(),
    url: z.string(),
  }),
  /** The tracker refused the issue (4xx): retrying by itself cannot help, a person can (Retry). */
  z.object({
    type: z.literal('followup_export_failed'),
    followupId: z.number(),
    text: z.string(),
    tracker: z.enum(TRACKER_KINDS),
    reason: z.string(),
  }),
  /** The issue was closed in the tracker, so the follow-up moved on. */
  z.object({
    type: z.literal('followup_closed_in_tracker'),
    followupId: z.number(),
    text: z.string(),
    tracker: z.enum(TRACKER_KINDS),
    key: z.string(),
    url: z.string().nullable(),
    by: z.string(),
    state: z.enum(['done', 'wont_do']),
  }),
]);
export type TrackerMessage = z.infer<typeof TrackerMessage>;
