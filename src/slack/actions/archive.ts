import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { incidentRef } from '../../domain/incident.js';
import type { Archiving } from '../../incidents/archive.js';
import type { ActorOf } from '../actors.js';
import { slackDate } from '../blocks/text.js';
import { IncidentId } from './incident-card.js';

/** "Archive this channel in …" under the resolved message: schedules the archive once. */
export const archiveClicked =
  ({
    archiving,
    actorOf,
  }: {
    archiving: Archiving;
    actorOf: ActorOf;
  }): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> =>
  async ({ ack, action, body, respond }) => {
    await ack();
    const id = IncidentId.parse(action.value);
    const result = await archiving.schedule(id, await actorOf(body.user.id));
    if (!result.changed) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `The channel of ${incidentRef(id)} is already set to be archived ${slackDate(result.at)}.`,
      });
    }
  };
