import type { Incident } from '../domain/incident.js';
import { findIncidentByChannel, getIncident, updateIncident } from '../store/incidents.js';
import { addMembers, memberOf, removeMember } from '../store/members.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueuePublish } from './effects.js';
import type { Actor } from './events.js';
import { decideMakePublic, type VisibilityPolicy } from './visibility-decide.js';

export type { VisibilityPolicy };

/** Of `incidents`, those `userId` may see: every public one, and the private ones they are in. */
export async function visibleTo(
  tx: Tx,
  userId: string,
  incidents: readonly Incident[],
): Promise<Incident[]> {
  const privateIds = incidents.filter((i) => i.private).map((i) => i.id);
  const member = await memberOf(tx, userId, privateIds);
  return incidents.filter((i) => !i.private || member.has(i.id));
}

/**
 * Private incidents: who is in their channel (from invitations and Slack's member events), and
 * making one public. Membership is kept for every incident, so one made public loses nothing.
 */
export function createVisibility(deps: {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: VisibilityPolicy;
}) {
  const { store, now } = deps;

  async function makePublic(id: number, actor: Actor): Promise<Incident> {
    const at = now();
    const outcome = await store.tx(async (tx) => {
      const decision = decideMakePublic(await getIncident(tx, id), actor, deps.policy, at);
      switch (decision.type) {
        case 'refused':
          // The refusal's audit entry is committed; the error is thrown after.
          if (decision.audit) await record(tx, { incidentId: id, ...decision.audit }, at);
          return decision;
        case 'unchanged':
          return decision;
        case 'make_public':
          await updateIncident(tx, id, { private: false, updatedAt: at });
          await record(tx, { incidentId: id, ...decision.record }, at);
          // The card and topic stay; the announcement is posted now that it may be.
          await enqueuePublish(tx, id, at);
          return decision;
        default:
          return decision satisfies never;
      }
    });
    if (outcome.type === 'refused') throw outcome.error;
    deps.kick();
    return outcome.incident;
  }

  /** Slack says someone joined (or left) a channel; only incident channels matter. */
  async function memberChanged(channelId: string, userId: string, joined: boolean): Promise<void> {
    // Joins and leaves arrive for every channel the bot is in: look first, write only for ours.
    if (!(await store.read((tx) => findIncidentByChannel(tx, channelId)))) return;
    await store.tx(async (tx) => {
      const incident = await findIncidentByChannel(tx, channelId);
      if (!incident) return;
      if (joined) await addMembers(tx, incident.id, [userId], now());
      else await removeMember(tx, incident.id, userId);
    });
  }

  return {
    makePublic,
    memberJoined: (channelId: string, userId: string) => memberChanged(channelId, userId, true),
    memberLeft: (channelId: string, userId: string) => memberChanged(channelId, userId, false),
    visibleTo: (userId: string, incidents: readonly Incident[]) =>
      store.read((tx) => visibleTo(tx, userId, incidents)),
  };
}

export type Visibility = ReturnType<typeof createVisibility>;
