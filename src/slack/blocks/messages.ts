import type { types } from '@slack/bolt';
import { incidentRef } from '../../incidents/incident.js';
import type { ChatMessage } from '../../incidents/messages.js';
import type { IncidentView } from '../../incidents/view.js';
import { actions } from '../ids.js';
import { severityLabel } from './incident-card.js';
import { renderPagingMessage } from './paging.js';
import { actorMention, escapeText, mrkdwn, plain, truncate } from './text.js';

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
    case 'status_update': {
      const text = `📣 *Status update* on ${ref} from <@${message.by}>\n${escapeText(truncate(message.text, 2900))}`;
      return {
        text: truncate(`Status update on ${ref}: ${message.text}`, 3000),
        blocks: [section(text)],
      };
    }
    case 'note_added': {
      const text = `📝 <@${message.by}> added a note to the timeline:\n>${escapeText(truncate(message.text, 2900)).replace(/\n/g, '\n>')}`;
      return { text: truncate(`Note on ${ref}: ${message.text}`, 3000), blocks: [section(text)] };
    }
    case 'severity_changed': {
      const text = `⚠️ ${actorMention(message.by)} changed the severity of ${ref} from ${severityLabel(message.from)} to ${severityLabel(message.to)}.`;
      return { text, blocks: [section(text)] };
    }
    case 'resolved': {
      const summary = message.summary
        ? `\n>${escapeText(truncate(message.summary, 2800)).replace(/\n/g, '\n>')}`
        : '';
      const text = `✅ ${actorMention(message.by)} resolved ${ref}.${summary}`;
      return { text: truncate(text, 3000), blocks: [section(text)] };
    }
    case 'reopened': {
      const text = `🔁 ${actorMention(message.by)} reopened ${ref}: ${escapeText(truncate(message.reason, 2800))}`;
      return { text: truncate(text, 3000), blocks: [section(text)] };
    }
    case 'page_requested':
    case 'page_retrying':
    case 'page_triggered':
    case 'page_failed':
    case 'pagerduty_update':
    case 'owner_from_pagerduty':
      return renderPagingMessage(message, view);
    default:
      return message satisfies never;
  }
}
