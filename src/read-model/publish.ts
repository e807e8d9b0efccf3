import type { Catalog } from '../catalog.js';
import type { MessageDelivery } from '../domain/messages.js';
import type { OfficeHours } from '../domain/office-hours.js';
import { messageEffect, publishEffect } from '../incidents/effects.js';
import { DeliveryError } from '../outbox/worker.js';
import { findChatRef, rememberChatRef } from '../store/chat-refs.js';
import { findIncidentRow, type IncidentChanges, updateIncident } from '../store/incidents.js';
import { addMembers, setMembers } from '../store/members.js';
import type { Store } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { buildIncidentView } from './incident-view.js';
import type { Chat } from './ports.js';

export interface PublisherDeps {
  store: Store;
  chat: Chat;
  catalog: Catalog;
  now: () => Date;
  announceChannel: string | undefined;
  /** The card says when the next reminder comes, and office hours may put it off. */
  officeHours?: OfficeHours;
}

/**
 * Makes Slack show an incident as the record says it is. Each step stores what it achieved
 * before the next one starts, so a run interrupted by a crash or a Slack outage resumes
 * where it stopped: the channel is created once, the card is posted once and then only
 * updated in place.
 */
export function createPublisher({
  store,
  chat,
  catalog,
  now,
  announceChannel,
  officeHours,
}: PublisherDeps) {
  const withRunbooks = { serviceRunbook: catalog.runbook, officeHours };
  const save = (id: number, values: IncidentChanges) =>
    store.tx((tx) => updateIncident(tx, id, values));

  async function publish(incidentId: number): Promise<void> {
    const row = await store.read((tx) => findIncidentRow(tx, incidentId));
    if (!row) throw new DeliveryError(`INC-${incidentId} does not exist`, { permanent: true });

    let channelId = row.channelId;
    if (!channelId) {
      const channel = await chat.openChannel(
        (await store.read((tx) => buildIncidentView(tx, incidentId, now(), withRunbooks))).incident,
      );
      channelId = channel.id;
      const at = now();
      await store.tx(async (tx) => {
        await updateIncident(tx, incidentId, { channelId: channel.id, channelName: channel.name });
        await record(
          tx,
          {
            incidentId,
            kind: 'channel_created',
            at,
            actor: 'firebreak',
            source: 'firebreak',
            payload: { channelId: channel.id, channelName: channel.name },
          },
          at,
        );
      });
    }

    const view = await store.read((tx) => buildIncidentView(tx, incidentId, now(), withRunbooks));
    if (!row.cardTs && !row.cardAttempted) await save(incidentId, { cardAttempted: true });
    const card = await chat.showCard(
      channelId,
      view,
      row.cardTs ? { ts: row.cardTs, hash: row.cardHash } : null,
      { mayExist: row.cardAttempted },
    );
    if (card.ts !== row.cardTs || card.hash !== row.cardHash)
      await save(incidentId, { cardTs: card.ts, cardHash: card.hash });
    // A card posted again (someone deleted the old one) needs pinning again.
    if (!row.cardPinned || card.ts !== row.cardTs) {
      await chat.pin(channelId, card.ts);
      await save(incidentId, { cardPinned: true });
    }

    const topic = await chat.showTopic(channelId, view, row.channelTopic);
    if (topic !== row.channelTopic) await save(incidentId, { channelTopic: topic });

    const wanted = new Set<string>();
    if (view.incident.ownerId) wanted.add(view.incident.ownerId);
    for (const service of view.incident.services)
      for (const owner of catalog.owners(service)) wanted.add(owner);
    const missing = [...wanted].filter((u) => !row.invitedUsers.includes(u));
    if (missing.length > 0) {
      await chat.invite(channelId, missing);
      await store.tx(async (tx) => {
        await updateIncident(tx, incidentId, { invitedUsers: [...row.invitedUsers, ...missing] });
        await addMembers(tx, incidentId, missing, now());
      });
    }

    // Who sees a private incident is who is in its channel: Slack's word, read at every refresh,
    // catches joins and leaves whose events were missed (the bot was down, a delivery was lost).
    if (row.private) {
      const present = await chat.members(channelId);
      await store.tx((tx) => setMembers(tx, incidentId, present, now()));
    }

    // A private incident is never announced: its title must not reach a public place.
    if (announceChannel && !row.private) {
      if (!row.announceTs && !row.announceAttempted)
        await save(incidentId, { announceAttempted: true });
      const shown = await chat.showAnnouncement(
        announceChannel,
        view,
        row.announceTs ? { ts: row.announceTs, hash: row.announceHash } : null,
        { mayExist: row.announceAttempted },
      );
      if (shown.ts !== row.announceTs || shown.hash !== row.announceHash) {
        await save(incidentId, {
          announceChannelId: announceChannel,
          announceTs: shown.ts,
          announceHash: shown.hash,
        });
      }
    }
  }

  async function deliver(delivery: MessageDelivery): Promise<void> {
    const { to } = delivery;
    let row = await store.read((tx) => findIncidentRow(tx, delivery.incidentId));
    if (!row)
      throw new DeliveryError(`INC-${delivery.incidentId} does not exist`, { permanent: true });
    // A message queued ahead of the incident's first publish (a listener posting in the unit of
    // work that opened it) heads the lane: waiting for the channel would wait forever for the
    // publish behind it. Make the channel and card now; the publish later finds them made.
    if (to.kind !== 'announce' && !row.channelId) {
      await publish(delivery.incidentId);
      row = (await store.read((tx) => findIncidentRow(tx, delivery.incidentId))) ?? row;
    }
    let channelId: string | null;
    let threadTs: string | undefined;
    switch (to.kind) {
      case 'announce':
        if (!announceChannel || row.private) return;
        channelId = announceChannel;
        break;
      case 'channel':
        channelId = row.channelId;
        break;
      case 'card_thread':
        channelId = row.channelId;
        threadTs = row.cardTs ?? undefined;
        break;
      case 'thread': {
        const ref = await store.read((tx) => findChatRef(tx, to.key));
        channelId = ref?.channelId ?? row.channelId;
        threadTs = ref?.ts;
        break;
      }
      default:
        return to satisfies never;
    }
    if (!channelId) throw new DeliveryError(`INC-${row.id} has no channel yet`);
    const view = await store.read((tx) =>
      buildIncidentView(tx, delivery.incidentId, now(), withRunbooks),
    );
    const posted = await chat.post(channelId, delivery.message, view, threadTs);
    const { remember } = delivery;
    if (remember) {
      const ref = { channelId, ts: posted.ts };
      await store.tx((tx) => rememberChatRef(tx, remember, ref));
    }
  }

  return {
    publish,
    deliver,
    /** The outbox handlers of publishEffect and messageEffect. */
    effects: [
      publishEffect.handledBy(({ incidentId }) => publish(incidentId)),
      messageEffect.handledBy(deliver),
    ],
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
