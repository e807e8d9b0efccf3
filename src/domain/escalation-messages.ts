import { z } from 'zod';
import { SEVERITIES } from './incident.js';

/** One escalation tier called out: who it calls (the channel is told, people get a DM). */
export const EscalationCall = z.object({
  severity: z.enum(SEVERITIES),
  /** 1-based, of `of` tiers of that severity. */
  tier: z.number().int().positive(),
  of: z.number().int().positive(),
  afterMs: z.number(),
  users: z.array(z.string()),
  groups: z.array(z.string()),
  broadcast: z.enum(['here', 'channel']).nullable(),
  /** The tier names `owners`, but nobody owns the services or the incident. */
  ownersMissing: z.boolean(),
});
export type EscalationCall = z.infer<typeof EscalationCall>;

/** What the channel is told about escalation; rendered by src/slack/blocks/escalation.ts. */
export const EscalationMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('escalation_called'), ...EscalationCall.shape }),
  /** These services page through PagerDuty: its escalation policy escalates, not firebreak. */
  z.object({ type: z.literal('escalation_deferred'), services: z.array(z.string()) }),
]);
export type EscalationMessage = z.infer<typeof EscalationMessage>;
