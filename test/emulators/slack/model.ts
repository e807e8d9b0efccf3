// The emulated workspace: state types, id and ts minting, and the JSON shapes Slack returns.

export type Args = Record<string, unknown>;

export interface SlackOk {
  ok: true;
  [key: string]: unknown;
}
export interface SlackFail {
  ok: false;
  error: string;
  [key: string]: unknown;
}
export type SlackResult = SlackOk | SlackFail;

export const ok = (body: Record<string, unknown> = {}): SlackOk => ({ ok: true, ...body });
export const fail = (error: string, extra: Record<string, unknown> = {}): SlackFail => ({
  ok: false,
  error,
  ...extra,
});

export interface TopicOrPurpose {
  value: string;
  creator: string;
  last_set: number;
}

export interface EmulatedChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  topic: TopicOrPurpose;
  purpose: TopicOrPurpose;
  creator: string;
  members: string[];
  /** Unix seconds, as Slack reports it. */
  created: number;
}

export interface EmulatedMessage {
  channel: string;
  ts: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  subtype?: string;
  files?: { id: string; name: string; title: string }[];
  reactions?: { name: string; users: string[]; count: number }[];
  edited?: { user: string; ts: string };
  /** How many times chat.update changed this message. */
  editCount: number;
}

export interface EmulatedUser {
  id: string;
  name: string;
  real_name?: string;
  email?: string;
  is_bot?: boolean;
  deleted?: boolean;
  tz?: string;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
  at: number;
}

export interface Pin {
  channel: string;
  ts: string;
  created_by: string;
  created: number;
}

export interface Bookmark {
  id: string;
  channel_id: string;
  title: string;
  type: string;
  link: string;
  emoji?: string;
  date_created: number;
}

export type ViewMethod = 'views.open' | 'views.push' | 'views.update' | 'views.publish';

export interface EmulatedView {
  id: string;
  /** The view exactly as the app sent it. */
  view: Record<string, unknown>;
  /** Undefined for views.update and views.publish, which need no trigger. */
  trigger_id?: string;
  hash: string;
  /** The method that created the view; `updates` counts later views.update calls. */
  method: ViewMethod;
  updates: number;
  root_view_id: string;
  previous_view_id: string | null;
  /** Set for views.publish (Home tab). */
  user_id?: string;
  at: number;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
}

export interface EmulatedFile {
  id: string;
  filename: string;
  title: string;
  length: number;
  /** UTF-8 decoded upload body; undefined until the upload URL has been posted to. */
  content?: string;
  channels: string[];
  thread_ts?: string;
  initial_comment?: string;
  user: string;
  completed: boolean;
}

export interface CallRecord {
  method: string;
  args: Args;
  at: number;
  status: number;
  ok: boolean;
  error?: string;
}

export interface RateLimitHit {
  method: string;
  channel?: string;
  at: number;
  /** Seconds the caller was told to wait (the Retry-After header). */
  retryAfter: number;
}

export interface TriggerId {
  id: string;
  issuedAt: number;
  used: boolean;
}

/** Everything the emulator knows. Collections are cleared in place on reset(), so references stay valid. */
export interface EmulatorState {
  channels: Map<string, EmulatedChannel>;
  messages: Map<string, EmulatedMessage[]>;
  pins: Map<string, Pin[]>;
  bookmarks: Bookmark[];
  users: Map<string, EmulatedUser>;
  /** User groups (S…) → member user ids. */
  usergroups: Map<string, string[]>;
  ephemerals: EphemeralMessage[];
  views: EmulatedView[];
  triggers: Map<string, TriggerId>;
  responseUrlPosts: ResponseUrlPost[];
  files: Map<string, EmulatedFile>;
  calls: CallRecord[];
  rateLimited: RateLimitHit[];
  counters: Map<string, number>;
  /** Last minted message ts, in microseconds. */
  lastTsMicros: number;
}

export function createState(): EmulatorState {
  return {
    channels: new Map(),
    messages: new Map(),
    pins: new Map(),
    bookmarks: [],
    users: new Map(),
    usergroups: new Map(),
    ephemerals: [],
    views: [],
    triggers: new Map(),
    responseUrlPosts: [],
    files: new Map(),
    calls: [],
    rateLimited: [],
    counters: new Map(),
    lastTsMicros: 0,
  };
}

export function clearState(state: EmulatorState): void {
  state.channels.clear();
  state.messages.clear();
  state.pins.clear();
  state.bookmarks.length = 0;
  state.users.clear();
  state.usergroups.clear();
  state.ephemerals.length = 0;
  state.views.length = 0;
  state.triggers.clear();
  state.responseUrlPosts.length = 0;
  state.files.clear();
  state.calls.length = 0;
  state.rateLimited.length = 0;
  state.counters.clear();
  state.lastTsMicros = 0;
}

/** Deterministic ids (`C000000001`, `V000000001`…) so test output is stable between runs. */
export function nextId(state: EmulatorState, prefix: string): string {
  const n = (state.counters.get(prefix) ?? 0) + 1;
  state.counters.set(prefix, n);
  return `${prefix}${n
    .toString(36)
    .toUpperCase()
    .padStart(10 - prefix.length, '0')}`;
}

/**
 * Message timestamps are Slack's message ids, so they must be unique and strictly increasing even
 * when several messages are posted within the same millisecond.
 */
export function nextTs(state: EmulatorState, nowMs: number): string {
  const micros = Math.max(Math.floor(nowMs) * 1000, state.lastTsMicros + 100);
  state.lastTsMicros = micros;
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

export interface Identity {
  botUserId: string;
  botId: string;
  teamId: string;
  appId: string;
}

export function channelJson(channel: EmulatedChannel, viewer: string): Record<string, unknown> {
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    // Private channels made since 2021 are channels too (C ids); is_group marks only legacy ones.
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: channel.is_private,
    is_archived: channel.is_archived,
    is_general: channel.name === 'general',
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    is_member: channel.members.includes(viewer),
    created: channel.created,
    creator: channel.creator,
    unlinked: 0,
    previous_names: [],
    num_members: channel.members.length,
    topic: { ...channel.topic },
    purpose: { ...channel.purpose },
  };
}

export function messageJson(message: EmulatedMessage, identity: Identity): Record<string, unknown> {
  const { channel: _channel, editCount: _editCount, ...wire } = message;
  const fromBot = message.user === identity.botUserId;
  return {
    type: 'message',
    ...wire,
    ...(fromBot ? { bot_id: identity.botId, app_id: identity.appId } : {}),
    team: identity.teamId,
  };
}

export function userJson(user: EmulatedUser, teamId: string): Record<string, unknown> {
  const realName = user.real_name ?? user.name;
  return {
    id: user.id,
    team_id: teamId,
    name: user.name,
    deleted: user.deleted ?? false,
    real_name: realName,
    ...zoneFields(user.tz ?? 'Etc/UTC'),
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.is_bot ?? false,
    is_app_user: false,
    updated: 1_700_000_000,
    profile: {
      real_name: realName,
      real_name_normalized: realName,
      display_name: user.name,
      display_name_normalized: user.name,
      ...(user.email === undefined ? {} : { email: user.email }),
      team: teamId,
    },
  };
}

// Form-encoded args arrive as strings; JSON bodies may carry real numbers and booleans.
export function str(args: Args, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function bool(args: Args, key: string): boolean {
  const value = args[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function int(args: Args, key: string): number | undefined {
  const raw = str(args, key);
  if (raw === undefined || raw === '') return undefined;
  const n = Number.parseInt(raw, 10);
  return Number.isNaN(n) ? undefined : n;
}

/** Objects sent by WebClient arrive as JSON strings inside form fields. */
export function jsonArg(
  args: Args,
  key: string,
): { value: unknown } | { invalid: true } | undefined {
  const raw = args[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') return { value: raw };
  try {
    return { value: JSON.parse(raw) as unknown };
  } catch {
    return { invalid: true };
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface MethodContext {
  state: EmulatorState;
  identity: Identity;
  /** Emulator base URL, e.g. http://127.0.0.1:PORT. */
  url: string;
  now: () => number;
  triggerTtlMs: number;
  /** Whether the bot may post into public channels it has not joined (the chat:write.public scope). */
  chatWritePublic: boolean;
  /** Who is calling: the bot user for every xox token. */
  caller: string;
}

export type MethodHandler = (args: Args, ctx: MethodContext) => SlackResult;

/**
 * Looks a channel up by id, or by name (`#name` or `name`) as chat.postMessage allows. Private
 * channels the caller is not in are invisible, exactly as Slack answers channel_not_found for them.
 */
export function visibleChannel(ctx: MethodContext, ref: string | undefined) {
  if (ref === undefined || ref === '') return undefined;
  const byId = ctx.state.channels.get(ref);
  const name = ref.replace(/^#/, '');
  const channel = byId ?? [...ctx.state.channels.values()].find((c) => c.name === name);
  if (channel === undefined) return undefined;
  if (channel.is_private && !channel.members.includes(ctx.caller)) return undefined;
  return channel;
}

export function channelMessages(state: EmulatorState, channelId: string): EmulatedMessage[] {
  let list = state.messages.get(channelId);
  if (list === undefined) {
    list = [];
    state.messages.set(channelId, list);
  }
  return list;
}

export function findMessage(state: EmulatorState, channelId: string, ts: string | undefined) {
  return ts === undefined ? undefined : state.messages.get(channelId)?.find((m) => m.ts === ts);
}

/** users.info's zone fields as Slack gives them: the IANA name, its long name, offset in seconds. */
function zoneFields(tz: string): { tz: string; tz_label: string; tz_offset: number } {
  const now = new Date();
  const label =
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' })
      .formatToParts(now)
      .find((p) => p.type === 'timeZoneName')?.value ?? tz;
  const local = new Date(now.toLocaleString('en-US', { timeZone: tz }));
  const utc = new Date(now.toLocaleString('en-US', { timeZone: 'UTC' }));
  return { tz, tz_label: label, tz_offset: Math.round((local.getTime() - utc.getTime()) / 1000) };
}
