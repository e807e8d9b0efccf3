import type { types } from '@slack/bolt';
import { incidentRef } from '../../domain/incident.js';
import type { PagingMessage } from '../../domain/paging-messages.js';
import type { PageOutcome } from '../../paging/service.js';
import type { IncidentView } from '../../read-model/incident-view.js';
import { actions } from '../ids.js';
import type { RenderedMessage } from './rendered.js';
import { escapeText, link, mention, mrkdwn, plain, truncate, truncateMarkup, who } from './text.js';

const section = (text: string): types.KnownBlock => ({ type: 'section', text: mrkdwn(text) });

const bold = (service: string) => `*${escapeText(service)}*`;

const names = (list: readonly string[]) => escapeText(truncate(list.join(', '), 500, '…'));

const pdLink = (htmlUrl: string | null, pdIncidentId: string | null, title = '') =>
  link(
    htmlUrl,
    truncate(`PagerDuty ${pdIncidentId ?? ''}${title ? ` “${title}”` : ''}`.trim(), 200, '…'),
  );

const button = (
  actionId: string,
  text: string,
  value: string,
  style?: 'primary',
): types.Button => ({
  type: 'button',
  action_id: actionId,
  text: plain(text),
  value,
  ...(style ? { style } : {}),
});

/** Paging and PagerDuty messages in the incident channel. */
export function renderPagingMessage(message: PagingMessage, view: IncidentView): RenderedMessage {
  const ref = incidentRef(view.incident.id);
  const open = view.incident.state !== 'resolved';
  const value = String(view.incident.id);
  const plainMessage = (text: string): RenderedMessage => ({
    text: truncateMarkup(text, 3000),
    blocks: [section(truncateMarkup(text, 3000))],
  });
  switch (message.type) {
    case 'page_requested':
      return plainMessage(
        `📟 ${who(message.by)} is paging the on-call of ${bold(message.service)} through PagerDuty…`,
      );
    case 'page_retrying':
      return plainMessage(
        `⏳ PagerDuty has not taken the page for ${bold(message.service)} yet (${escapeText(truncate(message.reason, 300))}). Still trying…`,
      );
    case 'page_triggered': {
      if (message.existing) {
        return plainMessage(
          `📟 ${bold(message.service)} is paged: ${pdLink(message.htmlUrl, message.pdIncidentId)} was already open in PagerDuty with this incident's key, so nothing new was paged.`,
        );
      }
      const who = message.assignees.length ? `, assigned to ${names(message.assignees)}` : '';
      const what = message.pdIncidentId
        ? `PagerDuty incident ${pdLink(message.htmlUrl, message.pdIncidentId)}`
        : 'the PagerDuty Events API';
      return plainMessage(`📟 Paged the on-call of ${bold(message.service)}: ${what}${who}.`);
    }
    case 'page_failed': {
      const text = `❌ Could not page ${bold(message.service)} through PagerDuty: ${escapeText(truncate(message.reason, 300))}. Page them another way, or try again.`;
      const blocks: types.KnownBlock[] = [section(text)];
      if (open)
        blocks.push({
          type: 'actions',
          elements: [button(actions.pageOnCall, 'Try paging again', value, 'primary')],
        });
      return { text: truncateMarkup(text, 3000), blocks };
    }
    case 'pagerduty_update': {
      const it = pdLink(message.htmlUrl, message.pdIncidentId);
      const who = message.who ? escapeText(message.who) : 'Someone';
      const to = message.assignees.length ? names(message.assignees) : 'nobody yet';
      const event = message.event;
      switch (event) {
        case 'triggered':
          return plainMessage(
            `📟 PagerDuty opened ${pdLink(message.htmlUrl, message.pdIncidentId, message.title)}, assigned to ${to}.`,
          );
        case 'acknowledged':
          return plainMessage(`👀 ${who} acknowledged ${it} in PagerDuty.`);
        case 'escalated':
          return plainMessage(`⤴️ PagerDuty escalated ${it} to ${to}.`);
        case 'reassigned':
          return plainMessage(`🔀 ${who} reassigned ${it} in PagerDuty to ${to}.`);
        case 'resolved': {
          if (message.autoResolved)
            return plainMessage(
              `✅ ${who} resolved ${it} in PagerDuty, so ${ref} is resolved too.`,
            );
          if (message.openPages > 0)
            return plainMessage(
              `✅ ${who} resolved ${it} in PagerDuty; ${message.openPages} other page(s) of ${ref} are still open.`,
            );
          if (!open) return plainMessage(`✅ ${who} resolved ${it} in PagerDuty.`);
          const text = `✅ ${who} resolved ${it} in PagerDuty. Resolve ${ref} too when you are sure it is over.`;
          return {
            text: truncateMarkup(text, 3000),
            blocks: [
              section(text),
              { type: 'actions', elements: [button(actions.resolve, 'Resolve', value, 'primary')] },
            ],
          };
        }
        default:
          return event satisfies never;
      }
    }
    case 'owner_from_pagerduty': {
      const name = escapeText(message.pagerUser);
      const owner = mention(message.ownerId);
      const reason = message.reason;
      switch (reason) {
        case 'on_call':
          return plainMessage(
            `👤 ${name} is on call in PagerDuty, so ${owner} owns ${ref} for now.`,
          );
        case 'acknowledged':
          return plainMessage(`👤 ${name} acknowledged in PagerDuty, so ${owner} owns ${ref} now.`);
        case 'assigned':
          return plainMessage(`👤 PagerDuty assigned ${ref} to ${name}, so ${owner} owns it now.`);
        default:
          return reason satisfies never;
      }
    }
    default:
      return message satisfies never;
  }
}

/** The clicker's private answer: only needed when nothing new was paged. */
export function pageOutcomeText(outcome: PageOutcome): string | null {
  if (outcome.alreadyPaged.length === 0) return null;
  const lines = outcome.alreadyPaged.map(
    (p) =>
      `*${escapeText(p.service)}* is already paged (${p.status}${p.pdIncidentId ? `: ${pdLink(p.htmlUrl, p.pdIncidentId)}` : ''}). A second page would reach nobody new.`,
  );
  if (outcome.requested.length > 0)
    lines.push(`Paging ${outcome.requested.map((s) => `*${escapeText(s)}*`).join(', ')}…`);
  return lines.join('\n');
}
