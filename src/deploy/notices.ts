import { z } from 'zod';
import { AUTO_ROLLBACK_DECISIONS } from '../domain/auto-rollback.js';
import { DEPLOY_STATUSES, type Deploy } from '../domain/deploy.js';
import type { Freeze } from '../domain/freeze.js';
import { chatLane } from '../incidents/effects.js';
import { defineEffect } from '../outbox/effects.js';
import { DeliveryError } from '../outbox/worker.js';
import { findChatRef, rememberChatRef } from '../store/chat-refs.js';
import { findIncident } from '../store/incidents.js';
import type { Store, Tx } from '../store/unit-of-work.js';

// Messages about deploys, rollbacks and freezes. They go to an incident's channel when one is
// linked, else to the channel the action came from (a freeze made in #ops expires in #ops).
// Payloads travel through the outbox as JSON, so times are ISO strings here.

export const DeployFacts = z.object({
  id: z.number(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  status: z.enum(DEPLOY_STATUSES),
  actor: z.string().nullable(),
  url: z.string().nullable(),
  compareUrl: z.string().nullable(),
  isRollback: z.boolean(),
  serviceKnown: z.boolean(),
});
export type DeployFacts = z.infer<typeof DeployFacts>;

export const FreezeFacts = z.object({
  id: z.number(),
  services: z.array(z.string()),
  environments: z.array(z.string()),
  reason: z.string(),
  createdBy: z.string(),
  expiresAt: z.string(),
  blocksRollbacks: z.boolean(),
  incidentId: z.number().nullable(),
});
export type FreezeFacts = z.infer<typeof FreezeFacts>;

/** The value a Roll back (or Retry) button carries. */
export const RollbackButton = z.object({
  incidentId: z.number().nullable(),
  deployId: z.number().nullable(),
  toDeployId: z.number(),
  /** Set on buttons shown after a failed attempt: pressing it retries that attempt. */
  retryOf: z.number().nullish(),
});
export type RollbackButton = z.infer<typeof RollbackButton>;

export const DeployNotice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deploy_seen'), deploy: DeployFacts, frozenBy: z.array(FreezeFacts) }),
  z.object({
    type: z.literal('rollback_requested'),
    rollbackId: z.number(),
    by: z.string(),
    service: z.string(),
    environment: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    backend: z.string(),
  }),
  z.object({
    type: z.literal('rollback_started'),
    rollbackId: z.number(),
    detail: z.string().nullable(),
    url: z.string().nullable(),
  }),
  z.object({
    type: z.literal('rollback_succeeded'),
    rollbackId: z.number(),
    service: z.string(),
    environment: z.string(),
    to: z.string(),
    url: z.string().nullable(),
    output: z.string().nullable(),
    detail: z.string().nullable(),
    /** Offer Mark mitigated for this incident (null: no incident, or already mitigated). */
    mitigate: z.number().nullable(),
    freeze: FreezeFacts.nullable(),
  }),
  z.object({
    type: z.literal('rollback_failed'),
    rollbackId: z.number(),
    service: z.string(),
    environment: z.string(),
    to: z.string(),
    reason: z.string(),
    url: z.string().nullable(),
    output: z.string().nullable(),
    retry: RollbackButton,
  }),
  z.object({
    type: z.literal('auto_rollback_decided'),
    autoRollbackId: z.number(),
    decision: z.enum(AUTO_ROLLBACK_DECISIONS),
    service: z.string().nullable(),
    environment: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    reasons: z.array(z.string()),
    /** The end of the veto (scheduled only), ISO. */
    deadline: z.string().nullable(),
    vetoMs: z.number().nullable(),
    /** The ordinary Roll back button (Roll back now); null when there is nothing to roll back to. */
    rollback: RollbackButton.nullable(),
  }),
  z.object({
    type: z.literal('auto_rollback_settled'),
    autoRollbackId: z.number(),
    status: z.enum(['executed', 'cancelled', 'superseded', 'aborted']),
    by: z.string(),
    service: z.string().nullable(),
    environment: z.string(),
    to: z.string().nullable(),
    reason: z.string().nullable(),
    rollbackId: z.number().nullable(),
    rollback: RollbackButton.nullable(),
  }),
  z.object({ type: z.literal('freeze_created'), freeze: FreezeFacts, by: z.string() }),
  z.object({
    type: z.literal('freeze_lifted'),
    freeze: FreezeFacts,
    by: z.string(),
    expired: z.boolean(),
  }),
  z.object({
    type: z.literal('freeze_rescheduled'),
    freeze: FreezeFacts,
    alertname: z.string(),
    why: z.enum(['resolved_early', 'fired_again']),
  }),
  z.object({
    type: z.literal('gate_fix_pass'),
    incidentId: z.number(),
    service: z.string(),
    environment: z.string(),
    deploy: z.string().nullable(),
  }),
  z.object({
    type: z.literal('freeze_lift_offer'),
    incidentId: z.number(),
    freezes: z.array(FreezeFacts),
  }),
]);
export type DeployNotice = z.infer<typeof DeployNotice>;

export const NoticeTarget = z.object({
  /** Post in this incident's channel (it must exist by delivery time; the lane guarantees order). */
  incidentId: z.number().nullable(),
  /** Otherwise this channel. */
  channelId: z.string().nullable(),
  /** Reply in the thread of the message remembered under this key. */
  threadKey: z.string().optional(),
  /** Also show a thread reply in the channel. */
  broadcast: z.boolean().optional(),
  /** Remember the posted message's ts under this key. */
  remember: z.string().optional(),
});
export type NoticeTarget = z.infer<typeof NoticeTarget>;

export const NoticeDelivery = z.object({ to: NoticeTarget, notice: DeployNotice });
export type NoticeDelivery = z.infer<typeof NoticeDelivery>;

/** What the core needs from chat to post a notice; implemented by src/slack/deploy-chat.ts. */
export interface DeployChat {
  post(
    channelId: string,
    notice: DeployNotice,
    options: { threadTs?: string; broadcast?: boolean },
  ): Promise<{ ts: string }>;
}

/** Post a notice; carried out by createNoticeDelivery below, over the DeployChat port. */
export const noticeEffect = defineEffect({ kind: 'deploy.notice', payload: NoticeDelivery });

/** Queue a notice in the transaction that made the change it reports. No target: dropped. */
export async function enqueueNotice(
  tx: Tx,
  to: NoticeTarget,
  notice: DeployNotice,
  now: Date,
): Promise<void> {
  if (to.incidentId === null && !to.channelId) return;
  const lane =
    to.incidentId !== null ? chatLane(to.incidentId) : `chat:channel:${to.channelId ?? ''}`;
  await noticeEffect.enqueue(tx, { lane, payload: { to, notice } }, now);
}

export function deployFacts(row: Deploy): DeployFacts {
  return {
    id: row.id,
    service: row.service,
    environment: row.environment,
    version: row.version,
    status: row.status,
    actor: row.actor,
    url: row.url,
    compareUrl: row.compareUrl,
    isRollback: row.isRollback,
    serviceKnown: row.serviceKnown,
  };
}

export function freezeFacts(row: Freeze): FreezeFacts {
  return {
    id: row.id,
    services: row.services,
    environments: row.environments,
    reason: row.reason,
    createdBy: row.createdBy,
    expiresAt: row.expiresAt.toISOString(),
    blocksRollbacks: row.blocksRollbacks,
    incidentId: row.incidentId,
  };
}

/** The outbox handler of noticeEffect. */
export function createNoticeDelivery(deps: { store: Store; chat: DeployChat }) {
  const { store, chat } = deps;
  return noticeEffect.handledBy(async (delivery) => {
    const { to, notice } = delivery;
    let channelId = to.channelId;
    const { incidentId, threadKey, remember } = to;
    if (incidentId !== null) {
      const incident = await store.read((tx) => findIncident(tx, incidentId));
      if (!incident)
        throw new DeliveryError(`INC-${to.incidentId} does not exist`, { permanent: true });
      // The incident's publish runs first in the same lane; no channel yet means it is still retrying.
      if (!incident.channelId) throw new DeliveryError(`INC-${to.incidentId} has no channel yet`);
      channelId = incident.channelId;
    }
    if (!channelId) return;
    let threadTs: string | undefined;
    if (threadKey) {
      const ref = await store.read((tx) => findChatRef(tx, threadKey));
      if (ref) {
        channelId = ref.channelId;
        threadTs = ref.ts;
      }
    }
    const posted = await chat.post(channelId, notice, { threadTs, broadcast: to.broadcast });
    if (remember) {
      const ref = { channelId, ts: posted.ts };
      await store.tx((tx) => rememberChatRef(tx, remember, ref));
    }
  });
}
