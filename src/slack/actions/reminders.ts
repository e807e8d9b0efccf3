import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { incidentRef } from '../../domain/incident.js';
import { type Reminders, SNOOZE_MINUTES } from '../../incidents/reminders.js';
import { getIncident } from '../../store/incidents.js';
import type { Store } from '../../store/unit-of-work.js';
import type { ActorOf } from '../actors.js';
import { statusUpdateModal } from '../blocks/modals.js';
import { slackDate } from '../blocks/text.js';
import { IncidentId } from './incident-card.js';

export interface ReminderServices {
  store: Store;
  reminders: Reminders;
  actorOf: ActorOf;
}

type Button = Middleware<SlackActionMiddlewareArgs<BlockButtonAction>>;

/** `<incident id>:<minutes>:<due time of the reminder, epoch ms>` (src/slack/blocks/messages.ts). */
const SnoozeValue = z
  .string()
  .regex(/^\d+:\d+:\d+$/)
  .transform((v) => v.split(':').map(Number))
  .pipe(z.tuple([z.number().int().positive(), z.literal(SNOOZE_MINUTES), z.number().int()]));

/** Snooze replaces the reminder (its buttons go away) with who snoozed it and until when. */
export const snoozeClicked =
  ({ reminders, actorOf }: ReminderServices): Button =>
  async ({ ack, action, body, respond }) => {
    await ack();
    const [id, minutes, dueAt] = SnoozeValue.parse(action.value);
    const result = await reminders.snooze(id, minutes, dueAt, await actorOf(body.user.id));
    if (!result.changed) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `This reminder was already snoozed; the next one is due ${slackDate(result.until, '{time}')}.`,
      });
      return;
    }
    await respond({
      replace_original: true,
      text: `⏰ <@${body.user.id}> snoozed the status-update reminder for ${incidentRef(id)} for ${minutes} min (until ${slackDate(result.until, '{time}')}).`,
    });
  };

/** Post update opens the status-update form; its submission posts the update. */
export const postUpdateClicked =
  ({ store }: ReminderServices): Button =>
  async ({ ack, action, body, client, respond }) => {
    await ack();
    const incident = await store.read((tx) => getIncident(tx, IncidentId.parse(action.value)));
    if (incident.state === 'resolved') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `${incidentRef(incident.id)} is resolved; no update needed.`,
      });
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: statusUpdateModal(incident) });
  };
