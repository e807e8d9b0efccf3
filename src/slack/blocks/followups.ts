import type { types } from '@slack/bolt';
import { incidentRef } from '../../domain/incident.js';
import type { Followup } from '../../incidents/followups.js';
import { actions, blocks } from '../ids.js';
import type { RenderedMessage } from './rendered.js';
import { escapeText, mention, mrkdwn, plain, truncate, truncateMarkup } from './text.js';
import { issueSuffix } from './tracker.js';

const MARK: Record<Followup['state'], string> = { open: '🔲', done: '✅', wont_do: '🚫' };
const LABEL: Record<Followup['state'], string> = {
  open: 'open',
  done: 'done',
  wont_do: "won't do",
};

export function followupLine(f: Followup): string {
  const text = escapeText(truncate(f.text, 300));
  const shown = f.state === 'wont_do' ? `~${text}~` : text;
  return `${MARK[f.state]} *#${f.id}* ${shown} — ${f.ownerId ? mention(f.ownerId) : '_no owner_'} (${LABEL[f.state]})${issueSuffix(f)}`;
}

/** One follow-up with the buttons that move it on (Done / Won't do, or Reopen). */
export function followupMessage(f: Followup, changedBy?: string): RenderedMessage {
  const by = changedBy ? `\n_Marked ${LABEL[f.state]} by <@${changedBy}>._` : '';
  const text = `Follow-up for ${incidentRef(f.incidentId)}:\n${followupLine(f)}${by}`;
  const button = (action: string, label: string) => ({
    type: 'button' as const,
    action_id: action,
    text: plain(label),
    value: String(f.id),
  });
  const elements =
    f.state === 'open'
      ? [button(actions.followupDone, 'Done'), button(actions.followupWontDo, "Won't do")]
      : [button(actions.followupReopen, 'Reopen')];
  const blockList: types.KnownBlock[] = [
    { type: 'section', text: mrkdwn(text) },
    { type: 'actions', block_id: blocks.followup(f.id), elements },
  ];
  return {
    text: truncateMarkup(
      `Follow-up #${f.id} for ${incidentRef(f.incidentId)}: ${escapeText(f.text)}`,
      3000,
    ),
    blocks: blockList,
  };
}

export function followupList(incidentId: number, list: readonly Followup[]): string {
  if (list.length === 0) {
    return `${incidentRef(incidentId)} has no follow-ups yet. Add one with \`/incident followup <text> [@owner]\`.`;
  }
  const lines = list.slice(0, 40).map(followupLine);
  if (list.length > 40) lines.push(`_… and ${list.length - 40} more (see the postmortem draft)._`);
  return truncateMarkup(`*Follow-ups of ${incidentRef(incidentId)}*\n${lines.join('\n')}`, 3000);
}
