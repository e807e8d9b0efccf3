// Small helpers that keep user-supplied text inside Slack's limits and out of its markup.
//
// The rule: every string that did not come from this code (an alert's title, a deploy's version,
// a PagerDuty name, a backend's error) goes through escapeText before it is put into a mrkdwn
// text, a message's `text` fallback or a channel topic, and every outside URL through link()
// or safeUrl(). Slack then shows `<!channel>` as those characters instead of notifying anyone.
// plain_text objects (headers, button labels, modal inputs) are not parsed for mentions or
// links, so they take the text as it is: escaping there would show `&lt;` literally.

/**
 * Escapes the three characters Slack treats as markup in mrkdwn, `text` fallbacks and topics.
 * The one escaping function: no outside text reaches those fields without it.
 */
export const escapeText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack's limit on a button's url; longer is refused as invalid_blocks. */
export const URL_MAX = 3000;

// Slack's link markup (`<`, `>`, `|`), whitespace, control and invisible format characters
// (zero-width, right-to-left overrides). Real monitoring and CI URLs percent-encode all of them;
// one that carries them raw is trying to end the link early, or to hide where it goes (the URL
// parser would even drop tabs and newlines silently). It is refused, not repaired.
const UNSAFE_URL_CHARS = /[<>|\s\p{Cc}\p{Cf}]/u;

/**
 * An outside URL that is safe to link to, or null: http(s) only, no user:password@ part (it
 * disguises the real host), none of UNSAFE_URL_CHARS, at most URL_MAX characters (Slack's limit
 * for a button's url). What comes back is the URL as the parser normalised it.
 */
export function safeUrl(raw: string | null | undefined): string | null {
  if (!raw || raw.length > URL_MAX || UNSAFE_URL_CHARS.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  // The parser percent-encodes what it must; nothing it returns may still be markup.
  return url.href.length <= URL_MAX && !UNSAFE_URL_CHARS.test(url.href) ? url.href : null;
}

/** The one way to link outside URLs in mrkdwn: `<url|label>` when the URL is safe, else the label alone. */
export function link(url: string | null | undefined, label: string): string {
  const safe = safeUrl(url);
  const text = escapeText(label).replace(/\|/g, '¦');
  return safe ? `<${escapeText(safe)}|${text}>` : text;
}

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

/**
 * truncate for text that is already Slack markup: never leaves half a token (`<https://…`,
 * `<!date^…`) or half an entity (`&am`) at the cut, which Slack would show as raw markup.
 */
export function truncateMarkup(text: string, max: number, marker = '… (truncated)'): string {
  if (text.length <= max) return text;
  let kept = text.slice(0, Math.max(0, max - marker.length));
  const open = kept.lastIndexOf('<');
  if (open > kept.lastIndexOf('>')) kept = kept.slice(0, open);
  kept = kept.replace(/&[#a-z0-9]{0,6}$/i, '');
  return `${kept}${marker}`;
}

export const plain = (text: string, max = 75) => ({
  type: 'plain_text' as const,
  text: truncate(text, max, '…'),
  emoji: true,
});
export const mrkdwn = (text: string, max = 3000) => ({
  type: 'mrkdwn' as const,
  text: truncateMarkup(text, max),
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
