import type { types } from '@slack/bolt';
import type { TrackerMessage } from '../../domain/tracker-messages.js';
import type { Followup } from '../../incidents/followups.js';
import type { IncidentView } from '../../read-model/incident-view.js';
import { actions } from '../ids.js';
import type { RenderedMessage } from './rendered.js';
import { escapeText, link, mrkdwn, plain, truncate, truncateMarkup } from './text.js';

const TRACKER_NAME = { github: 'GitHub', jira: 'Jira' } as const;

const section = (text: string): types.KnownBlock => ({ type: 'section', text: mrkdwn(text) });

/** " · <url|OPS-7>" after a follow-up exported to a tracker; "(export to GitHub failed)"… */
export function issueSuffix(f: Followup): string {
  if (f.exportState === 'exported' && f.trackerKey)
    return ` · ${link(f.trackerUrl, truncate(f.trackerKey, 200, '…'))}`;
  if (f.exportState === 'pending' && f.trackerKind)
    return ` · _going to ${TRACKER_NAME[f.trackerKind]}_`;
  if (f.exportState === 'failed' && f.trackerKind)
    return ` · _no ${TRACKER_NAME[f.trackerKind]} issue yet (Retry)_`;
  return '';
}

/** Follow-ups going to GitHub or Jira, in the incident channel. */
export function renderTrackerMessage(
  message: TrackerMessage,
  _view: IncidentView,
): RenderedMessage {
  const name = TRACKER_NAME[message.tracker];
  const what = `follow-up *#${message.followupId}* “${escapeText(truncate(message.text, 200, '…'))}”`;
  switch (message.type) {
    case 'followup_exported': {
      const issue = link(message.url, truncate(message.key, 200, '…'));
      const text = `🎫 The ${what} is now ${issue} in ${name}. Closing it there marks the follow-up done.`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    case 'followup_export_failed': {
      const reason = escapeText(truncate(message.reason, 500, '…'));
      const text = `⚠️ Could not create the ${name} issue for the ${what}: ${reason}\nFix the tracker settings or permissions (or wait for ${name}), then retry.`;
      return {
        text: truncateMarkup(text, 3000),
        blocks: [
          section(text),
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: actions.followupExportRetry,
                text: plain(`Retry in ${name}`),
                value: String(message.followupId),
              },
            ],
          },
        ],
      };
    }
    case 'followup_closed_in_tracker': {
      const issue = link(message.url, truncate(message.key, 200, '…'));
      const how = message.state === 'done' ? 'done ✅' : "won't do 🚫 (closed as not planned)";
      const text = `${issue} was closed in ${name} by *${escapeText(truncate(message.by, 100, '…'))}*, so the ${what} is ${how}.`;
      return { text: truncateMarkup(text, 3000), blocks: [section(text)] };
    }
    default:
      return message satisfies never;
  }
}
