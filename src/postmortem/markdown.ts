// Text from chat, alerts and CI goes into a Markdown document: every piece of it is escaped
// here, so a message can neither break the document's structure nor inject HTML.

// Control characters (other than tab and newline) and bidi overrides, which can make text
// display differently from what it is.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE, '');
}

/** Cuts at `max` characters (never inside a surrogate pair) and says how much is missing. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}… [truncated, ${text.length - cut} more characters]`;
}

/** Escapes inline Markdown and HTML: the text reads the same, and nothing in it is markup. */
export function escapeInline(text: string): string {
  return cleanText(text)
    .replace(/[\\`*_{}[\]<>#|~&!]/g, '\\$&')
    .replace(/\n/g, ' ');
}

/** One line of a paragraph: inline escapes, plus what would start a block at line start. */
function escapeLine(line: string): string {
  const escaped = line.replace(/[\\`*_{}[\]<>#|~&!]/g, '\\$&');
  return escaped
    .replace(/^(\s*)([-+=>])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2')
    .replace(/^\s{4,}/, '');
}

/** A fence longer than any backtick run inside, so the code cannot close it early. */
export function fenceFor(code: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Slack's mrkdwn entities → plain text: `<@U1>` → `@U1`, `<#C1|ops>` → `#ops`, links → `label (url)`. */
export function slackEntities(text: string): string {
  return text
    .replace(/<@([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `@${name || id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name || id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(
      /<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g,
      (_, id: string, name?: string) => name || `@${id}`,
    )
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<((?:https?|mailto):[^|>\s]+)\|([^>]*)>/g, (_, url: string, label: string) =>
      label && label !== url ? `${label} (${url})` : url,
    )
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * A chat message as Markdown block content, indented by `indent` (to sit inside a list item):
 * prose is escaped line by line (with hard line breaks), ``` code ``` becomes a fenced block
 * whose fence cannot be closed by the code itself. An unclosed fence (a message cut short)
 * runs to the end.
 */
export function messageBlock(raw: string, options: { indent: string; max: number }): string {
  const text = truncateText(cleanText(slackEntities(raw)), options.max);
  const { indent } = options;
  const parts = text.split('```');
  const out: string[] = [];
  parts.forEach((part, i) => {
    const isCode = i % 2 === 1;
    if (isCode) {
      const code = part.replace(/^\n/, '').replace(/\n$/, '');
      const fence = fenceFor(code);
      out.push([fence, ...code.split('\n'), fence].map((l) => `${indent}${l}`).join('\n'));
      return;
    }
    const lines = part
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l, idx, all) => l !== '' || (idx > 0 && idx < all.length - 1));
    const paragraphs: string[][] = [[]];
    for (const line of lines) {
      if (line === '') paragraphs.push([]);
      else paragraphs.at(-1)?.push(escapeLine(line));
    }
    for (const p of paragraphs) {
      if (p.length === 0) continue;
      out.push(p.map((l, idx) => `${indent}${l}${idx < p.length - 1 ? '\\' : ''}`).join('\n'));
    }
  });
  return out.join('\n\n');
}

/** A table cell: inline-escaped, one line, bounded. */
export function cell(text: string | null | undefined, max = 200): string {
  if (text === null || text === undefined || text === '') return '—';
  return escapeInline(truncateText(text, max));
}

/** `[label](url)` for http(s) URLs only; anything else is shown as escaped text. */
export function mdLink(label: string, url: string | null | undefined): string {
  const safeLabel = escapeInline(label);
  if (!url || !/^https?:\/\/[^\s()<>]+$/.test(url)) return safeLabel;
  return `[${safeLabel}](${url})`;
}
