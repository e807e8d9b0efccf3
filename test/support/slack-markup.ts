// Reads back everything the bot said to the Slack emulator and finds markup that outside text
// could have smuggled in: a live @channel, a mention, a link somewhere else.
import type { TestApp } from './app.js';

/** One string Slack parses for markup (mrkdwn, a `text` fallback, a topic), or a button's url. */
export interface SlackField {
  where: string;
  kind: 'markup' | 'url';
  text: string;
}

const MESSAGE_METHODS = new Set([
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.scheduleMessage',
]);
const VIEW_METHODS = new Set(['views.open', 'views.push', 'views.update', 'views.publish']);

const parsed = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/** mrkdwn text objects and `url`s anywhere in blocks or a view; plain_text is not parsed by Slack. */
function walk(node: unknown, where: string, out: SlackField[]): void {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) walk(child, `${where}[${i}]`, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (record.type === 'mrkdwn' && typeof record.text === 'string')
    out.push({ where, kind: 'markup', text: record.text });
  if (record.type === 'plain_text') return;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'url' && typeof value === 'string')
      out.push({ where: `${where}.url`, kind: 'url', text: value });
    else if (typeof value === 'object') walk(value, `${where}.${key}`, out);
  }
}

function messageFields(body: Record<string, unknown>, where: string, out: SlackField[]) {
  if (typeof body.text === 'string')
    out.push({ where: `${where}.text`, kind: 'markup', text: body.text });
  walk(parsed(body.blocks), `${where}.blocks`, out);
  walk(parsed(body.attachments), `${where}.attachments`, out);
}

/** Every field of every message, update, topic, purpose, view and response_url reply. */
export function everythingSaid(bot: TestApp): SlackField[] {
  const out: SlackField[] = [];
  bot.slack.calls.forEach((call, i) => {
    const where = `${call.method}#${i}`;
    if (MESSAGE_METHODS.has(call.method)) messageFields(call.args, where, out);
    else if (call.method === 'conversations.setTopic')
      out.push({ where, kind: 'markup', text: String(call.args.topic ?? '') });
    else if (call.method === 'conversations.setPurpose')
      out.push({ where, kind: 'markup', text: String(call.args.purpose ?? '') });
    else if (VIEW_METHODS.has(call.method)) walk(parsed(call.args.view), where, out);
    else if (call.method === 'bookmarks.add')
      out.push({ where, kind: 'url', text: String(call.args.link ?? '') });
    else if (call.method === 'files.completeUploadExternal' && call.args.initial_comment)
      out.push({ where, kind: 'markup', text: String(call.args.initial_comment) });
  });
  for (const [i, post] of bot.slack.responseUrlPosts.entries())
    messageFields(post.body as Record<string, unknown>, `response_url#${i}`, out);
  return out;
}

export interface MarkupRules {
  /** Slack users the bot may mention (owners, deployers, people who acted). */
  users: ReadonlySet<string>;
  /** The only URLs a link may point at, exactly. */
  urls: ReadonlySet<string>;
  /** The bot's own broadcast: allowed only in a field containing this text. */
  hereOnlyWith?: string;
}

const decodeEntities = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Why this field is unsafe, or null. */
export function unsafeMarkup(field: SlackField, rules: MarkupRules, bot: TestApp): string | null {
  if (field.kind === 'url') {
    return rules.urls.has(field.text) ? null : `button/bookmark url ${field.text}`;
  }
  const text = field.text;
  for (const token of text.match(/<[^<>]*>/g) ?? []) {
    const user = /^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$/.exec(token)?.[1];
    if (user) {
      if (!rules.users.has(user)) return `mention of ${token}`;
      continue;
    }
    const channel = /^<#(C[A-Z0-9]+)(?:\|[^<>]*)?>$/.exec(token)?.[1];
    if (channel) {
      if (!bot.slack.channel(channel)) return `link to unknown channel ${token}`;
      continue;
    }
    if (/^<!date\^\d+\^[^|<>]*\|[^<>]*>$/.test(token)) continue;
    if (token === '<!here>' && rules.hereOnlyWith && text.includes(rules.hereOnlyWith)) continue;
    if (token.startsWith('<!')) return `special mention ${token}`;
    const url = /^<([^|<>]*)(?:\|[^<>]*)?>$/.exec(token)?.[1];
    if (url !== undefined && rules.urls.has(decodeEntities(url))) continue;
    return `link or markup ${token}`;
  }
  // Whatever is left outside a token: a lone `<` can only have come from raw outside text.
  const rest = text.replace(/<[^<>]*>/g, '');
  const raw = rest.indexOf('<');
  if (raw >= 0) return `a raw < at …${rest.slice(Math.max(0, raw - 60), raw + 60)}…`;
  return null;
}
