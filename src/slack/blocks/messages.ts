import type { types } from '@slack/bolt';
import { incidentRef } from '../../domain/incident.js';
import type { ChatMessage } from '../../domain/messages.js';
import { SNOOZE_MINUTES } from '../../incidents/reminders.js';
import type { IncidentView } from '../../read-model/incident-view.js';
import { actions, snoozeActionId } from '../ids.js';
import { renderEscalationMessage } from './escalation.js';
import { severityLabel, stateLabel } from './incident-card.js';
import { renderPagingMessage } from './paging.js';
import type { RenderedMessage } from './rendered.js';
import {
  channelLink,
  duration,
  escapeKeepingMentions,
  escapeText,
  mrkdwn,
  plain,
  slackDate,
  truncate,
  truncateMarkup,
  who,
} from './text.js';
import { renderTimelineMessage } from './timeline.js';
import { renderTrackerMessage } from './tracker.js';

const section = (text: string): types.KnownBlock => ({ type: 'section', text: mrkdwn(text) });

/** A block quote of text people typed, mentions kept. */
const quote = (text: string, max: number) =>
  `>${escapeKeepingMentions(truncate(text, max)).replace(/\n/g, '\n>')}`;

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
      return { text: truncateMarkup(text, 3000), blocks };
    }
    case 'alert_storm': {
      const where = view.incident.channelId ? ` (${channelLink(view.incident.channelId)})` : '';
      const text =
        `🌪️ *Alert storm:* more than ${message.maxNewPerMinute} incidents were opened by alerts within a minute. ` +
        `New alert groups are gathered into ${ref}${where} instead of opening a channel each; every alert is kept. ` +
        'New groups open incidents of their own again once the rate falls.';
      return { text: truncate(text, 3000), blocks: [section(text)] };
    }
    case 'status_update': {
      const text = `📣 *Status update* on ${ref} from ${who(message.by)}\n${escapeKeepingMentions(truncate(message.text, 2900))}`;
      return {
        text: truncateMarkup(
          `Status update on ${ref}: ${escapeKeepingMentions(message.text)}`,
          3000,
        ),
        blocks: [section(text)],
      };
    }
    case 'note_added': {
      const text = `📝 ${who(message.by)} added a note to the timeline:\n${quote(message.text, 2900)}`;
      return {
        text: truncateMarkup(`Note on ${ref}: ${escapeKeepingMentions(message.text)}`, 3000),
        blocks: [section(text)],
      };
    }
    case 'severity_changed': {
      const text = `⚠️ ${who(message.by)} changed the severity of ${ref} from ${severityLabel(message.from)} to ${severityLabel(message.to)}.`;
      return { text, blocks: [section(text)] };
    }
    case 'resolved': {
      const summary = message.summary ? `\n${quote(message.summary, 2800)}` : '';
      const text = `✅ ${who(message.by)} resolved ${ref}.${summary}`;
      const blocks: types.KnownBlock[] = [section(truncateMarkup(text, 3000))];
      if (message.archiveAfterMs && view.incident.state === 'resolved') {
        blocks.push({
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: actions.archive,
              text: plain(`Archive this channel in ${duration(message.archiveAfterMs)}`),
              value: String(view.incident.id),
            },
          ],
        });
      }
      return { text: truncateMarkup(text, 3000), blocks };
    }
    case 'reopened': {
      const text = `🔁 ${who(message.by)} reopened ${ref}: ${escapeKeepingMentions(truncate(message.reason, 2800))}`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'owner_changed': {
      const text =
        message.by === message.to
          ? `🧑‍🚒 <@${message.to}> took command of ${ref}${message.from ? ` from <@${message.from}>` : ''}.`
          : `🧑‍🚒 ${who(message.by)} handed ${ref} to <@${message.to}>.`;
      return { text, blocks: [section(text)] };
    }
    case 'state_changed': {
      const text = `🔎 ${who(message.by)} moved ${ref} from ${stateLabel(message.from)} to *${stateLabel(message.to)}*.`;
      return { text, blocks: [section(text)] };
    }
    case 'status_update_due': {
      const last = message.lastUpdateAt
        ? `The last one was ${slackDate(new Date(message.lastUpdateAt), '{time}')}.`
        : 'There has been none yet.';
      const to = message.ownerId ? `<@${message.ownerId}>, a` : `Nobody owns ${ref}; a`;
      const text = `⏰ ${to} status update on ${ref} is due. ${last} Post one so everyone following knows where things stand.`;
      const id = view.incident.id;
      const blocks: types.KnownBlock[] = [section(text)];
      if (view.incident.state !== 'resolved') {
        blocks.push({
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: actions.postUpdate,
              text: plain('Post update'),
              style: 'primary',
              value: String(id),
            },
            ...SNOOZE_MINUTES.map(
              (minutes): types.Button => ({
                type: 'button',
                action_id: snoozeActionId(minutes),
                text: plain(`Snooze ${minutes} min`),
                value: `${id}:${minutes}:${message.dueAt}`,
              }),
            ),
          ],
        });
      }
      return { text, blocks };
    }
    case 'owner_missing': {
      const where = view.incident.channelId ? ` (${channelLink(view.incident.channelId)})` : '';
      const text = `👤 *${ref}* ${escapeText(truncate(view.incident.title, 200))}${where} has had no owner since ${slackDate(new Date(message.since), '{time}')}. Someone please take command.`;
      const blocks: types.KnownBlock[] = [section(text)];
      if (view.incident.state !== 'resolved' && !view.incident.ownerId) {
        blocks.push({
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: actions.takeCommand,
              text: plain('Take command'),
              style: 'primary',
              value: String(view.incident.id),
            },
          ],
        });
      }
      return { text, blocks };
    }
    case 'archive_scheduled': {
      const text = `🗄️ ${who(message.by)} scheduled this channel to be archived ${slackDate(new Date(message.at))}. Reopening ${ref} before then keeps it.`;
      return { text, blocks: [section(text)] };
    }
    case 'page_requested':
    case 'page_retrying':
    case 'page_triggered':
    case 'page_failed':
    case 'pagerduty_update':
    case 'owner_from_pagerduty':
      return renderPagingMessage(message, view);
    case 'escalation_called':
    case 'escalation_deferred':
      return renderEscalationMessage(message, view);
    case 'timeline_pinned':
    case 'timeline_withdrawn':
    case 'cause_question':
      return renderTimelineMessage(message, view);
    case 'followup_exported':
    case 'followup_export_failed':
    case 'followup_closed_in_tracker':
      return renderTrackerMessage(message, view);
    default:
      return message satisfies never;
  }
}
