import type { types } from '@slack/bolt';
import { incidentRef } from '../../domain/incident.js';
import type { ChatMessage } from '../../domain/messages.js';
import type { IncidentView } from '../../read-model/incident-view.js';
import { actions, blocks } from '../ids.js';
import type { RenderedMessage } from './rendered.js';
import { escapeText, mrkdwn, plain, slackDate, truncate } from './text.js';

type TimelineMessage = Extract<
  ChatMessage,
  { type: 'timeline_pinned' | 'timeline_withdrawn' | 'cause_question' }
>;

const section = (text: string): types.KnownBlock => ({ type: 'section', text: mrkdwn(text) });

/** The timeline's own messages: pin confirmations and the "Caused by a deploy?" question. */
export function renderTimelineMessage(
  message: TimelineMessage,
  view: IncidentView,
): RenderedMessage {
  const ref = incidentRef(view.incident.id);
  switch (message.type) {
    case 'timeline_pinned': {
      const author =
        message.authorId && message.authorId !== message.by
          ? ` (a message from <@${message.authorId}>)`
          : '';
      const how = message.via === 'reaction' ? ' Remove the reaction to withdraw it.' : '';
      const text = `📌 <@${message.by}> added this to the ${ref} timeline${author}, at the time it was written.${how}`;
      return { text, blocks: [section(text)] };
    }
    case 'timeline_withdrawn': {
      const text = `↩️ <@${message.by}> withdrew this from the ${ref} timeline. It stays in the record, marked withdrawn.`;
      return { text, blocks: [section(text)] };
    }
    case 'cause_question':
      return causeQuestion(message.suspects, view);
    default:
      return message satisfies never;
  }
}

function causeQuestion(
  suspects: Extract<ChatMessage, { type: 'cause_question' }>['suspects'],
  view: IncidentView,
): RenderedMessage {
  const id = view.incident.id;
  const intro = `🔎 *${incidentRef(id)} is resolved. Was it caused by a deploy?* The answer goes into the postmortem and the change failure rate.`;
  const rows: types.KnownBlock[] = suspects.slice(0, 10).map((s) => ({
    type: 'section',
    block_id: `${blocks.causeQuestion}_${s.deployId}`,
    text: mrkdwn(
      `*${escapeText(truncate(s.service, 80))}* ${escapeText(truncate(s.version, 120))} to ${escapeText(truncate(s.environment, 40))}, deployed ${slackDate(new Date(s.at))}`,
    ),
    accessory: {
      type: 'button',
      action_id: actions.causeDeploy,
      text: plain('This one caused it'),
      value: `${id}:${s.deployId}`,
    },
  }));
  return {
    text: `${incidentRef(id)} is resolved. Was it caused by a deploy?`,
    blocks: [
      section(intro),
      ...rows,
      {
        type: 'actions',
        block_id: blocks.causeQuestion,
        elements: [
          {
            type: 'button',
            action_id: actions.causeNone,
            text: plain('None of these'),
            value: String(id),
          },
        ],
      },
    ],
  };
}

/** What replaces the question once it is answered. */
export function causeAnswered(
  incidentId: number,
  by: string,
  deploy: { service: string; version: string } | null,
): RenderedMessage {
  const text = deploy
    ? `🔎 <@${by}> recorded that ${incidentRef(incidentId)} was caused by the deploy of *${escapeText(deploy.service)}* ${escapeText(truncate(deploy.version, 120))}.`
    : `🔎 <@${by}> recorded that ${incidentRef(incidentId)} was not caused by any of the suspect deploys.`;
  return { text, blocks: [section(text)] };
}
