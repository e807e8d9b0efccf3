import { z } from 'zod';
import { type ChatMessage, MessageDelivery, type MessageTarget } from '../domain/messages.js';
import { defineEffect } from '../outbox/effects.js';
import type { Tx } from '../store/unit-of-work.js';

/** Make Slack show the incident as it is now; carried out by src/read-model/publish.ts. */
export const publishEffect = defineEffect({
  kind: 'incident.publish',
  payload: z.object({ incidentId: z.number() }),
});

/** Post one message; carried out by src/read-model/publish.ts. */
export const messageEffect = defineEffect({ kind: 'chat.message', payload: MessageDelivery });

/**
 * Ask the chat edge to make the channel, topic, card and announcement match the incident now.
 * `background`: nobody is waiting for it (alerts arriving); during a storm such refreshes are
 * spaced out, while a person's click still shows at once.
 */
export async function enqueuePublish(
  tx: Tx,
  incidentId: number,
  now: Date,
  { background = false } = {},
): Promise<void> {
  await publishEffect.enqueue(
    tx,
    {
      lane: chatLane(incidentId),
      coalesceKey: `incident.publish:${incidentId}`,
      urgent: !background,
      payload: { incidentId },
    },
    now,
  );
}

/** Post one message; it goes out after everything enqueued before it for this incident. */
export async function enqueueMessage(
  tx: Tx,
  incidentId: number,
  to: MessageTarget,
  message: ChatMessage,
  now: Date,
  remember?: string,
): Promise<void> {
  const payload: MessageDelivery = { incidentId, to, message, ...(remember ? { remember } : {}) };
  await messageEffect.enqueue(tx, { lane: chatLane(incidentId), payload }, now);
}

export const chatLane = (incidentId: number) => `chat:incident:${incidentId}`;
