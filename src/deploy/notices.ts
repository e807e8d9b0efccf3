import { eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { chatRefs, type DeployRow, type FreezeRow, incidents } from '../db/schema.js';
import { chatLane } from '../incidents/store.js';
import { enqueue } from '../outbox/outbox.js';
import { DeliveryError } from '../outbox/worker.js';

// Messages about deploys, rollbacks and freezes. They go to an incident's channel when one is
// linked, else to the channel the action came from (a freeze made in #ops expires in #ops).
// Payloads travel through the outbox as JSON, so times are ISO strings here.

export interface DeployFacts {
  id: number;
  service: string;
  environment: string;
  version: string;
  status: DeployRow['status'];
  actor: string | null;
  url: string | null;
  compareUrl: string | null;
  isRollback: boolean;
  serviceKnown: boolean;
}

export interface FreezeFacts {
  id: number;
  services: string[];
  environments: string[];
  reason: string;
  createdBy: string;
  expiresAt: string;
  blocksRollbacks: boolean;
  incidentId: number | null;
}

/** The value a Roll back (or Retry) button carries. */
export interface RollbackButton {
  incidentId: number | null;
  deployId: number | null;
  toDeployId: number;
  /** Set on buttons shown after a failed attempt: pressing it retries that attempt. */
  retryOf?: number | null;
}

export type DeployNotice =
  | { type: 'deploy_seen'; deploy: DeployFacts; frozenBy: FreezeFacts[] }
  | {
      type: 'rollback_requested';
      rollbackId: number;
      by: string;
      service: string;
      environment: string;
      from: string | null;
      to: string;
      backend: string;
    }
  | { type: 'rollback_started'; rollbackId: number; detail: string | null; url: string | null }
  | {
      type: 'rollback_succeeded';
      rollbackId: number;
      service: string;
      environment: string;
      to: string;
      url: string | null;
      output: string | null;
      detail: string | null;
      /** Offer Mark mitigated for this incident (null: no incident, or already mitigated). */
      mitigate: number | null;
      freeze: FreezeFacts | null;
    }
  | {
      type: 'rollback_failed';
      rollbackId: number;
      service: string;
      environment: string;
      to: string;
      reason: string;
      url: string | null;
      output: string | null;
      retry: RollbackButton;
    }
  | { type: 'freeze_created'; freeze: FreezeFacts; by: string }
  | { type: 'freeze_lifted'; freeze: FreezeFacts; by: string; expired: boolean }
  | { type: 'freeze_lift_offer'; incidentId: number; freezes: FreezeFacts[] };

export interface NoticeTarget {
  /** Post in this incident's channel (it must exist by delivery time; the lane guarantees order). */
  incidentId: number | null;
  /** Otherwise this channel. */
  channelId: string | null;
  /** Reply in the thread of the message remembered under this key. */
  threadKey?: string;
  /** Also show a thread reply in the channel. */
  broadcast?: boolean;
  /** Remember the posted message's ts under this key. */
  remember?: string;
}

export interface NoticeDelivery {
  to: NoticeTarget;
  notice: DeployNotice;
}

/** What the core needs from chat to post a notice; implemented by src/slack/deploy-chat.ts. */
export interface DeployChat {
  post(
    channelId: string,
    notice: DeployNotice,
    options: { threadTs?: string; broadcast?: boolean },
  ): Promise<{ ts: string }>;
}

export const NOTICE_KIND = 'deploy.notice';

/** Queue a notice in the transaction that made the change it reports. No target: dropped. */
export function enqueueNotice(tx: DbOrTx, to: NoticeTarget, notice: DeployNotice, now: Date): void {
  if (to.incidentId === null && !to.channelId) return;
  const lane =
    to.incidentId !== null ? chatLane(to.incidentId) : `chat:channel:${to.channelId ?? ''}`;
  const payload: NoticeDelivery = { to, notice };
  enqueue(tx, { kind: NOTICE_KIND, lane, payload: { ...payload } }, now);
}

export function deployFacts(row: DeployRow): DeployFacts {
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

export function freezeFacts(row: FreezeRow): FreezeFacts {
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

/** The outbox handler for NOTICE_KIND. */
export function createNoticeDelivery(deps: { db: Db; chat: DeployChat }) {
  const { db, chat } = deps;
  return async function deliver(delivery: NoticeDelivery): Promise<void> {
    const { to, notice } = delivery;
    let channelId = to.channelId;
    if (to.incidentId !== null) {
      const incident = db
        .select({ channelId: incidents.channelId })
        .from(incidents)
        .where(eq(incidents.id, to.incidentId))
        .get();
      if (!incident)
        throw new DeliveryError(`INC-${to.incidentId} does not exist`, { permanent: true });
      // The incident's publish runs first in the same lane; no channel yet means it is still retrying.
      if (!incident.channelId) throw new DeliveryError(`INC-${to.incidentId} has no channel yet`);
      channelId = incident.channelId;
    }
    if (!channelId) return;
    let threadTs: string | undefined;
    if (to.threadKey) {
      const ref = db.select().from(chatRefs).where(eq(chatRefs.key, to.threadKey)).get();
      if (ref) {
        channelId = ref.channelId;
        threadTs = ref.ts;
      }
    }
    const posted = await chat.post(channelId, notice, { threadTs, broadcast: to.broadcast });
    if (to.remember) {
      db.insert(chatRefs)
        .values({ key: to.remember, channelId, ts: posted.ts })
        .onConflictDoNothing()
        .run();
    }
  };
}
