import { z } from 'zod';
import { EscalationCall } from '../domain/escalation-messages.js';
import { defineEffect } from '../outbox/effects.js';
import type { Tx } from '../store/unit-of-work.js';
import { chatLane } from './effects.js';

/** A direct message to one person called out by an escalation tier; sent by src/slack/escalation-dm.ts. */
export const escalationDmEffect = defineEffect({
  kind: 'escalation.dm',
  payload: z.object({ incidentId: z.number(), userId: z.string(), call: EscalationCall }),
});

/**
 * In the incident's chat lane, after the channel exists and after the channel's own call-out,
 * so the DM can link to both.
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
    { lane: chatLane(incidentId), payload: { incidentId, userId, call } },
    now,
  );
}
