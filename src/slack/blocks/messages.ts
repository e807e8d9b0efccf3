import type { types } from '@slack/bolt';
import { incidentRef } from '../../incidents/incident.js';
import type { ChatMessage } from '../../incidents/messages.js';
import type { IncidentView } from '../../incidents/view.js';
import { actions } from '../ids.js';
import { mrkdwn, plain, truncate } from './text.js';

export interface RenderedMessage {
  text: string;
  blocks: types.KnownBlock[];
}

const section = (text: string): types.KnownBlock => ({ type: 'section', text: mrkdwn(text) });

/** Renders a domain message for Slack. Exhaustive: a new message type must be handled here. */
export function renderMessage(message: ChatMessage, view: IncidentView): RenderedMessage {
  const ref = incidentRef(view.incident.id);
  switch (message.type) {
    case 'alerts_all_resolved': {
      const text = message.autoResolved
        ? `✅ Every alert of ${ref} has resolved, so the incident is resolved.`
        : `✅ Every alert of ${ref} has resolved (${message.resolved}). Resolve the incident when you are sure it is over.`;
      const blocks: types.KnownBlock[] = [section(text)];
      if (!message.autoResolved && view.incident.state !== 'resolved') {
        blocks.push({
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: actions.resolve,
              text: plain('Resolve'),
              style: 'primary',
              value: String(view.incident.id),
            },
          ],
        });
      }
      return { text: truncate(text, 3000), blocks };
    }
    default:
      return message.type satisfies never;
  }
}
