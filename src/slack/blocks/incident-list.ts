import type { types } from '@slack/bolt';
import { type Incident, incidentRef } from '../../domain/incident.js';
import { severityLabel, stateLabel } from './incident-card.js';
import { channelLink, escapeText, mention, mrkdwn, truncate } from './text.js';

const SHOWN = 20;

/** `/incident list`: the open incidents, worst first, each with a link to its channel. */
export function incidentList(open: readonly Incident[]): {
  text: string;
  blocks: types.KnownBlock[];
} {
  if (open.length === 0) {
    const text = 'No open incidents. 🎉';
    return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const sorted = [...open].sort(
    (a, b) =>
      a.severity.localeCompare(b.severity) || a.declaredAt.getTime() - b.declaredAt.getTime(),
  );
  const lines = sorted.slice(0, SHOWN).map((i) => {
    const where = i.channelId ? channelLink(i.channelId) : '_channel being created_';
    return `${severityLabel(i.severity)} *${incidentRef(i.id)}* ${escapeText(truncate(i.title, 120))} · ${stateLabel(i.state)} · ${mention(i.ownerId)} · ${where}`;
  });
  const more = open.length > SHOWN ? `\n…and ${open.length - SHOWN} more.` : '';
  const heading = `*${open.length} open incident${open.length === 1 ? '' : 's'}*`;
  return {
    text: `${open.length} open incidents`,
    blocks: [{ type: 'section', text: mrkdwn(`${heading}\n${lines.join('\n')}${more}`) }],
  };
}
