import type {
  BlockAction,
  CheckboxesAction,
  Middleware,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { z } from 'zod';
import type { Checklist } from '../../incidents/checklist.js';
import { clickedChange } from '../../incidents/checklist-decide.js';
import { checklistOf } from '../../store/checklist.js';
import { findIncidentByChannel } from '../../store/incidents.js';
import type { Store } from '../../store/unit-of-work.js';
import type { ActorOf } from '../actors.js';
import { tickedOnCard } from '../blocks/checklist.js';

export interface ChecklistServices {
  store: Store;
  checklist: Checklist;
  actorOf: ActorOf;
}

const Selected = z.array(z.object({ value: z.string().max(150) })).max(10);

/**
 * A tick or untick on the card's checklist. The card is pinned in the incident's channel, so
 * the channel names the incident; the change is the click alone (checklist-decide.ts).
 */
export const checklistClicked =
  ({
    store,
    checklist,
    actorOf,
  }: ChecklistServices): Middleware<SlackActionMiddlewareArgs<BlockAction<CheckboxesAction>>> =>
  async ({ ack, action, body, respond }) => {
    await ack();
    const channelId = body.channel?.id;
    const incident = channelId
      ? await store.read((tx) => findIncidentByChannel(tx, channelId))
      : null;
    if (!incident) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'This checklist belongs to no incident firebreak knows.',
      });
      return;
    }
    const selected = Selected.parse(action.selected_options ?? []).map((o) => o.value);
    // Without the card as the person saw it, the stored state is the best guess of what they saw.
    const seen =
      tickedOnCard(body.message) ??
      (await store.read((tx) => checklistOf(tx, incident.id)))
        .filter((s) => s.checked)
        .map((s) => s.text);
    // A resolved incident's checklist is closed: the service says so (an ephemeral reply).
    await checklist.apply(incident.id, clickedChange(seen, selected), await actorOf(body.user.id));
  };
