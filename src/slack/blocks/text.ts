// Small helpers that keep user-supplied text inside Slack's limits and out of its markup.

/** Escapes the three characters Slack's mrkdwn treats as markup. */
export const escapeText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts to `max` characters and says so, so a reader knows something is missing. */
export function truncate(text: string, max: number, marker = '… (truncated)'): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - marker.length))}${marker}`;
}

export const mention = (userId: string | null | undefined): string =>
  userId ? `<@${userId}>` : '_unassigned_';

/** Who acted: a Slack mention for users, a name for systems ("pagerduty:PX…" → PagerDuty). */
export const channelLink = (channelId: string): string => `<#${channelId}>`;

/** A date Slack renders in each reader's own time zone, with a UTC fallback. */
export function slackDate(date: Date, format = '{date_short_pretty} {time}'): string {
  const epoch = Math.floor(date.getTime() / 1000);
  const fallback = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${epoch}^${format}|${fallback}>`;
}

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

export const link = (url: string | null | undefined, label: string): string =>
  url && /^https?:\/\//.test(url)
    ? `<${url}|${escapeText(label).replace(/\|/g, '¦')}>`
    : escapeText(label);

export const plain = (text: string, max = 75) => ({
  type: 'plain_text' as const,
  text: truncate(text, max, '…'),
  emoji: true,
});
export const mrkdwn = (text: string, max = 3000) => ({
  type: 'mrkdwn' as const,
  text: truncate(text, max),
});

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/** A Slack user as a mention; a system actor ("firebreak", "alertmanager") by its name. */
export const who = (actor: string): string =>
  SLACK_USER.test(actor)
    ? `<@${actor}>`
    : actor.startsWith('pagerduty')
      ? '*PagerDuty*'
      : `*${escapeText(actor)}*`;

const MENTION = /<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^S[A-Z0-9]+)(?:\|[^<>]*)?>/g;

/** Escapes like escapeText but keeps user, channel and user-group mentions people typed working. */
export function escapeKeepingMentions(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    out += escapeText(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapeText(text.slice(last));
}

/** Ends the text with a full stop unless it already ends a sentence. */
export const sentence = (text: string): string =>
  /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
