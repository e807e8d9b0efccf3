import type { Incident } from '../domain/incident.js';
import { incidentRef } from '../domain/incident.js';
import type { Followup } from '../incidents/followups.js';
import { escapeInline } from '../postmortem/markdown.js';
import type { IssueDraft } from './client.js';

// The issue a follow-up becomes: its text as the title, and what it came from. People by name
// (the cached Slack display names), their ids only when a name cannot be found.

export interface IssueContext {
  followup: Followup;
  incident: Incident;
  /** Slack user id → display name. */
  names: ReadonlyMap<string, string>;
  /** The read API's base (PUBLIC_URL), for a link to the incident's record; null: left out. */
  publicUrl: string | null;
  /** When the export was first tried (the outbox item's creation). */
  since: Date;
}

const TITLE_MAX = 250;

/** Unique per follow-up across databases too (its creation time is part of it). */
export const markerOf = (f: Followup) =>
  `firebreak-followup-${f.id}-${f.createdAt.getTime().toString(36)}`;

export function issueDraft(ctx: IssueContext): IssueDraft {
  const { followup: f, incident, names } = ctx;
  const ref = incidentRef(incident.id);
  const person = (id: string | null) => (id ? (names.get(id) ?? id) : 'nobody yet');
  const text = f.text.length > TITLE_MAX ? `${f.text.slice(0, TITLE_MAX - 1)}…` : f.text;
  const details: IssueDraft['details'][number][] = [
    // A private incident's title (and its channel's name, made from it) stays in Slack: the
    // tracker may be read by many more people than the incident's channel.
    {
      label: 'Incident',
      value: `${ref} ${incident.private ? '(private incident)' : incident.title} (${incident.severity})`,
    },
    { label: 'Follow-up owner', value: person(f.ownerId) },
    { label: 'Added by', value: person(f.createdBy) },
  ];
  if (incident.services.length > 0)
    details.push({ label: 'Services', value: incident.services.join(', ') });
  if (incident.channelId)
    details.push({
      label: 'Slack channel',
      value:
        incident.channelName && !incident.private ? `#${incident.channelName}` : incident.channelId,
      url: `https://slack.com/app_redirect?channel=${encodeURIComponent(incident.channelId)}`,
    });
  if (ctx.publicUrl)
    details.push({
      label: 'Incident record',
      value: `${ref} in firebreak`,
      url: `${ctx.publicUrl.replace(/\/+$/, '')}/api/v1/incidents/${incident.id}`,
    });
  return {
    title: `[${ref}] ${text}`,
    summary: f.text,
    details,
    marker: markerOf(f),
    since: ctx.since,
  };
}

/** Outside text in GitHub Markdown: no markup, and no @mentions of GitHub users by accident. */
const md = (text: string) => escapeInline(text).replace(/@/g, '@\u2060');

export function markdownBody(draft: IssueDraft): string {
  const lines = draft.details.map(({ label, value, url }) =>
    url
      ? `- **${label}:** [${md(value)}](<${url.replace(/[<>\s]/g, '')}>)`
      : `- **${label}:** ${md(value)}`,
  );
  return [
    md(draft.summary),
    '',
    ...lines,
    '',
    '_Created by firebreak. Closing this issue marks the follow-up done._',
    `<!-- ${draft.marker} -->`,
  ].join('\n');
}

type AdfInline = { type: 'text'; text: string; marks?: Record<string, unknown>[] };

/** The same content as an Atlassian Document Format document (Jira Cloud REST v3). */
export function adfDescription(draft: IssueDraft) {
  const paragraph = (content: AdfInline[]) => ({ type: 'paragraph', content });
  const items = draft.details.map(({ label, value, url }) => ({
    type: 'listItem',
    content: [
      paragraph([
        { type: 'text', text: `${label}: `, marks: [{ type: 'strong' }] },
        url
          ? { type: 'text', text: value, marks: [{ type: 'link', attrs: { href: url } }] }
          : { type: 'text', text: value },
      ]),
    ],
  }));
  return {
    type: 'doc',
    version: 1,
    content: [
      paragraph([{ type: 'text', text: draft.summary }]),
      { type: 'bulletList', content: items },
      paragraph([
        {
          type: 'text',
          text: 'Created by firebreak. Closing this issue marks the follow-up done.',
          marks: [{ type: 'em' }],
        },
      ]),
    ],
  };
}
