import type { types } from '@slack/bolt';
import type { EscalationCall, EscalationMessage } from '../../domain/escalation-messages.js';
import { type Incident, incidentRef } from '../../domain/incident.js';
import type { IncidentView } from '../../read-model/incident-view.js';
import { actions, blocks as blockIds } from '../ids.js';
import { severityLabel } from './incident-card.js';
import type { RenderedMessage } from './rendered.js';
import { channelLink, duration, escapeText, mrkdwn, plain, slackDate, truncate } from './text.js';

// Ids in these messages come from the config (validated as Slack ids), never from outside
// input; the incident's title is escaped like everywhere else.

const section = (text: string): types.KnownBlock => ({ type: 'section', text: mrkdwn(text) });

const after = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : duration(ms));

/** `<!here>`, the groups and the people a tier calls, as Slack mentions. */
function mentions(call: EscalationCall): string {
  const parts = [
    ...(call.broadcast ? [`<!${call.broadcast}>`] : []),
    ...call.groups.map((g) => `<!subteam^${g}>`),
    ...call.users.map((u) => `<@${u}>`),
  ];
  return parts.join(' ');
}

const acknowledgeButton = (incidentId: number): types.KnownBlock => ({
  type: 'actions',
  elements: [
    {
      type: 'button',
      action_id: actions.acknowledge,
      text: plain('Acknowledge'),
      style: 'primary',
      value: String(incidentId),
    },
  ],
});

/** What the incident channel is told about escalation. */
export function renderEscalationMessage(
  message: EscalationMessage,
  view: IncidentView,
): RenderedMessage {
  const i = view.incident;
  const ref = incidentRef(i.id);
  switch (message.type) {
    case 'escalation_called': {
      const who = mentions(message);
      const missing = message.ownersMissing
        ? ' (this tier names `owners`, but the services have no configured owners and the incident has no owner)'
        : '';
      const text =
        `⏫ *Escalation ${message.tier} of ${message.of}:* ${ref} (${severityLabel(message.severity)}) ` +
        `is still unacknowledged ${after(message.afterMs)} after it opened. ${who || 'Nobody to call'}${missing}. ` +
        (message.users.length > 0 ? 'The people named were sent a direct message. ' : '') +
        'Acknowledge to stop the next tiers.';
      const blocks = [section(text)];
      if (i.state !== 'resolved' && !i.acknowledgedAt) blocks.push(acknowledgeButton(i.id));
      return { text, blocks };
    }
    case 'escalation_deferred': {
      const text =
        `📟 Escalation of ${ref} is PagerDuty's: ${escapeText(message.services.join(', '))} ` +
        `${message.services.length === 1 ? 'pages' : 'page'} through PagerDuty, whose escalation policy escalates. ` +
        "firebreak's own tiers (`escalation.tiers`) stay off for this incident, so nobody is called twice.";
      return { text, blocks: [section(text)] };
    }
    default:
      return message satisfies never;
  }
}

/** The direct message to one person a tier calls. */
export function renderEscalationDm(call: EscalationCall, incident: Incident): RenderedMessage {
  const ref = incidentRef(incident.id);
  const where = incident.channelId ? ` in ${channelLink(incident.channelId)}` : '';
  const text =
    `⏫ You are called out on *${ref}* ${escapeText(truncate(incident.title, 200))} ` +
    `(${severityLabel(call.severity)})${where}: nobody has acknowledged it ${after(call.afterMs)} after it opened ` +
    `(escalation ${call.tier} of ${call.of}).`;
  const blocks = [section(text)];
  if (incident.state !== 'resolved' && !incident.acknowledgedAt)
    blocks.push(acknowledgeButton(incident.id));
  return { text, blocks };
}

/** Said on the card before it happens: when the next tier is called out unless acknowledged. */
export function escalationNotice(view: IncidentView): types.KnownBlock | null {
  const i = view.incident;
  if (!view.escalationDueAt || i.state === 'resolved' || i.acknowledgedAt) return null;
  return {
    type: 'context',
    block_id: blockIds.cardEscalation,
    elements: [
      mrkdwn(
        `⏫ Unacknowledged: the next escalation tier is called out ${slackDate(view.escalationDueAt, '{time}')} unless someone acknowledges.`,
      ),
    ],
  };
}
