import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { AppError } from '../../errors.js';
import type { Causes } from '../../postmortem/cause.js';
import { causeAnswered } from '../blocks/timeline.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Button values: `<incidentId>:<deployId>` for a deploy, `<incidentId>` for "None of these". */
function parseValue(value: string | undefined): { incidentId: number; deployId: number | null } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value ?? '');
  if (!match) throw new AppError('invalid', 'That button is out of date.');
  return { incidentId: Number(match[1]), deployId: match[2] ? Number(match[2]) : null };
}

/** "Caused by a deploy?" answered: record it, then replace the question with the answer. */
export const causeAnswer =
  ({ causes }: { causes: Causes }) =>
  async ({ ack, action, body, respond }: ButtonArgs) => {
    await ack();
    const { incidentId, deployId } = parseValue(action.value);
    const answer = await causes.recordCause(incidentId, deployId, {
      id: body.user.id,
      source: 'slack',
    });
    await respond({
      replace_original: true,
      ...causeAnswered(incidentId, body.user.id, answer.deploy),
    });
  };
