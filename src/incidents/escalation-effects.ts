import { z } from 'zod';
import { EscalationCall } from '../domain/escalation-messages.js';
import { defineEffect } from '../outbox/effects.js';
import type { Tx } from '../store/unit-of-work.js';

/** A direct message to one person called out by an escalation tier; sent by src/slack/escalation-dm.ts. */
export const escalationDmEffect = defineEffect({
  kind: 'escalation.dm',
  payload: z.object({ incidentId: z.number(), userId: z.string(), call: EscalationCall }),
});

/**
 * A lane of their own (per incident): a DM that keeps failing (a person who left, Slack refusing
 * conversations.open) must not hold up the incident channel's messages behind it.
 */
export async function enqueueEscalationDm(
  tx: Tx,
  incidentId: number,
  userId: string,
  call: EscalationCall,
  now: Date,
): Promise<void> {
  await escalationDmEffect.enqueue(
    tx,
    { lane: `escalation:dm:${incidentId}`, payload: { incidentId, userId, call } },
    now,
  );
}
