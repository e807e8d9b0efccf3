// conversations.* with Slack's name rules, membership checks and error names (slack-platform.md §2.1, §2.3).
import {
  type Args,
  bool,
  channelJson,
  type EmulatedChannel,
  type EmulatedMessage,
  type EmulatorState,
  fail,
  int,
  type MethodContext,
  type MethodHandler,
  messageJson,
  nextId,
  ok,
  type SlackResult,
  str,
  unixSeconds,
  visibleChannel,
} from './model.js';

export const CHANNEL_NAME_MAX = 80;
export const TOPIC_MAX = 250;

export interface NewChannel {
  name: string;
  id?: string;
  is_private?: boolean;
  is_archived?: boolean;
  creator: string;
  members?: string[];
  created: number;
}

export function insertChannel(state: EmulatorState, input: NewChannel): EmulatedChannel {
  const members = input.members ?? [input.creator];
  const channel: EmulatedChannel = {
    id: input.id ?? nextId(state, 'C'),
    name: input.name,
    is_private: input.is_private ?? false,
    is_archived: input.is_archived ?? false,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    creator: input.creator,
    members: [...new Set(members)],
    created: input.created,
  };
  state.channels.set(channel.id, channel);
  return channel;
}

/** The error conversations.create gives for this name, or undefined when it is acceptable. */
export function channelNameError(name: string | undefined): string | undefined {
  if (name === undefined || name.trim() === '') return 'invalid_name_required';
  if (name.length > CHANNEL_NAME_MAX) return 'invalid_name_maxlength';
  if (!/^[a-z0-9_-]+$/.test(name)) return 'invalid_name_specials';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

const create: MethodHandler = (args, ctx) => {
  const name = str(args, 'name');
  const nameError = channelNameError(name);
  if (nameError !== undefined || name === undefined) return fail(nameError ?? 'invalid_name');
  // Archived channels keep their name, so a new channel cannot take it.
  if ([...ctx.state.channels.values()].some((c) => c.name === name)) {
    return fail('name_taken', { detail: '`name` is already taken.' });
  }
  const channel = insertChannel(ctx.state, {
    name,
    is_private: bool(args, 'is_private'),
    creator: ctx.caller,
    created: unixSeconds(ctx.now()),
  });
  return ok({ channel: channelJson(channel, ctx.caller) });
};

const TYPES = ['public_channel', 'private_channel', 'mpim', 'im'];

function decodeCursor(cursor: string | undefined): number | undefined | 'invalid' {
  if (cursor === undefined || cursor === '') return undefined;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match?.[1] === undefined ? 'invalid' : Number(match[1]);
}

const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64');

const list: MethodHandler = (args, ctx) => {
  const types = (str(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
  if (types.some((t) => !TYPES.includes(t))) return fail('invalid_types');
  const offset = decodeCursor(str(args, 'cursor'));
  if (offset === 'invalid') return fail('invalid_cursor');
  const limit = Math.min(Math.max(int(args, 'limit') ?? 100, 1), 1000);
  const excludeArchived = bool(args, 'exclude_archived');
  const matching = [...ctx.state.channels.values()].filter((c) => {
    if (excludeArchived && c.is_archived) return false;
    if (c.is_private) return types.includes('private_channel') && c.members.includes(ctx.caller);
    return types.includes('public_channel');
  });
  const start = offset ?? 0;
  const page = matching.slice(start, start + limit);
  const next = start + limit < matching.length ? encodeCursor(start + limit) : '';
  return ok({
    channels: page.map((c) => channelJson(c, ctx.caller)),
    response_metadata: { next_cursor: next },
  });
};

const info: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  return ok({ channel: channelJson(channel, ctx.caller) });
};

/** The checks every write to an existing channel goes through, in Slack's order. */
function writableChannel(
  args: Args,
  ctx: MethodContext,
  key = 'channel',
): EmulatedChannel | SlackResult {
  const channel = visibleChannel(ctx, str(args, key));
  if (channel === undefined) return fail('channel_not_found');
  if (channel.is_archived) return fail('is_archived');
  if (!channel.members.includes(ctx.caller)) return fail('not_in_channel');
  return channel;
}

const isResult = (value: EmulatedChannel | SlackResult): value is SlackResult => 'ok' in value;

function setTopicOrPurpose(field: 'topic' | 'purpose'): MethodHandler {
  return (args, ctx) => {
    const channel = writableChannel(args, ctx);
    if (isResult(channel)) return channel;
    const value = str(args, field) ?? '';
    if (value.length > TOPIC_MAX) return fail('too_long');
    channel[field] = { value, creator: ctx.caller, last_set: unixSeconds(ctx.now()) };
    return ok({ channel: channelJson(channel, ctx.caller) });
  };
}

const invite: MethodHandler = (args, ctx) => {
  const channel = writableChannel(args, ctx);
  if (isResult(channel)) return channel;
  const users = (str(args, 'users') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (users.length === 0) return fail('no_user');
  if (users.length > 1000) return fail('too_many_users');
  const errors: { user: string; ok: false; error: string }[] = [];
  const valid: string[] = [];
  for (const user of users) {
    const error = !ctx.state.users.has(user)
      ? 'user_not_found'
      : user === ctx.caller
        ? 'cant_invite_self'
        : channel.members.includes(user)
          ? 'already_in_channel'
          : undefined;
    if (error === undefined) valid.push(user);
    else errors.push({ user, ok: false, error });
  }
  const first = errors[0];
  // Without force, one bad id fails the whole call and nobody is invited.
  if (first !== undefined && !bool(args, 'force')) return fail(first.error, { errors });
  channel.members.push(...valid.filter((u) => !channel.members.includes(u)));
  return ok({
    channel: channelJson(channel, ctx.caller),
    ...(errors.length > 0 ? { errors } : {}),
  });
};

const join: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  if (channel.is_archived) return fail('is_archived');
  if (channel.members.includes(ctx.caller)) {
    return ok({
      channel: channelJson(channel, ctx.caller),
      warning: 'already_in_channel',
      response_metadata: { warnings: ['already_in_channel'] },
    });
  }
  if (channel.is_private) return fail('method_not_supported_for_channel_type');
  channel.members.push(ctx.caller);
  return ok({ channel: channelJson(channel, ctx.caller) });
};

const archive: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  if (channel.is_archived) return fail('already_archived');
  if (channel.name === 'general') return fail('cant_archive_general');
  if (!channel.members.includes(ctx.caller)) return fail('not_in_channel');
  channel.is_archived = true;
  return ok();
};

/** Reading history needs membership; public channels say not_in_channel, private ones are invisible. */
function readableChannel(args: Args, ctx: MethodContext): EmulatedChannel | SlackResult {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  if (!channel.members.includes(ctx.caller)) return fail('not_in_channel');
  return channel;
}

function page(messages: EmulatedMessage[], args: Args, ctx: MethodContext, newestFirst: boolean) {
  const offset = decodeCursor(str(args, 'cursor'));
  if (offset === 'invalid') return fail('invalid_cursor');
  const limit = Math.min(Math.max(int(args, 'limit') ?? 100, 1), 999);
  const latest = str(args, 'latest');
  const oldest = str(args, 'oldest');
  const inclusive = bool(args, 'inclusive');
  const inRange = messages.filter((m) => {
    const ts = Number(m.ts);
    if (latest !== undefined && (inclusive ? ts > Number(latest) : ts >= Number(latest))) {
      return false;
    }
    if (oldest !== undefined && (inclusive ? ts < Number(oldest) : ts <= Number(oldest))) {
      return false;
    }
    return true;
  });
  const ordered = newestFirst ? inRange.reverse() : inRange;
  const start = offset ?? 0;
  const hasMore = start + limit < ordered.length;
  return ok({
    messages: ordered.slice(start, start + limit).map((m) => messageJson(m, ctx.identity)),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(start + limit) : '' },
  });
}

const isTopLevel = (m: EmulatedMessage) => m.thread_ts === undefined || m.thread_ts === m.ts;

const history: MethodHandler = (args, ctx) => {
  const channel = readableChannel(args, ctx);
  if (isResult(channel)) return channel;
  const messages = (ctx.state.messages.get(channel.id) ?? []).filter(isTopLevel);
  const pins = ctx.state.pins.get(channel.id)?.length ?? 0;
  const result = page(messages, args, ctx, true);
  return result.ok ? { ...result, pin_count: pins } : result;
};

const replies: MethodHandler = (args, ctx) => {
  const channel = readableChannel(args, ctx);
  if (isResult(channel)) return channel;
  const ts = str(args, 'ts');
  const all = ctx.state.messages.get(channel.id) ?? [];
  const parent = all.find((m) => m.ts === ts);
  if (parent === undefined || ts === undefined) return fail('thread_not_found');
  const root = parent.thread_ts ?? parent.ts;
  const thread = all.filter((m) => m.ts === root || m.thread_ts === root);
  return page(thread, args, ctx, false);
};

/**
 * Opens (or finds) the direct message between the caller and one user, as Slack answers
 * conversations.open; the conversation is a D… channel holding the two of them.
 */
const open: MethodHandler = (args, ctx) => {
  const users = (str(args, 'users') ?? '').split(',').filter(Boolean);
  if (users.length === 0) return fail('users_list_not_supplied');
  if (users.length > 1) return fail('not_supported_in_emulator');
  const [user = ''] = users;
  if (!ctx.state.users.has(user)) return fail('user_not_found');
  const name = `dm-${user.toLowerCase()}`;
  const existing = [...ctx.state.channels.values()].find((c) => c.name === name);
  const channel =
    existing ??
    insertChannel(ctx.state, {
      id: nextId(ctx.state, 'D'),
      name,
      is_private: true,
      creator: ctx.caller,
      members: [ctx.caller, user],
      created: unixSeconds(ctx.now()),
    });
  return ok({ channel: { id: channel.id }, already_open: existing !== undefined });
};

/**
 * conversations.members: user ids, paged with a cursor (limit default 100, at most 1000), as
 * `{ ok, members, response_metadata: { next_cursor } }`. A private channel the caller is not in
 * does not exist for it.
 */
const members: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  const offset = decodeCursor(str(args, 'cursor'));
  if (offset === 'invalid') return fail('invalid_cursor');
  const limit = Math.min(Math.max(int(args, 'limit') ?? 100, 1), 1000);
  const start = offset ?? 0;
  const next = start + limit < channel.members.length ? encodeCursor(start + limit) : '';
  return ok({
    members: channel.members.slice(start, start + limit),
    response_metadata: { next_cursor: next },
  });
};

export const conversationMethods: Record<string, MethodHandler> = {
  'conversations.open': open,
  'conversations.members': members,
  'conversations.create': create,
  'conversations.list': list,
  'conversations.info': info,
  'conversations.setTopic': setTopicOrPurpose('topic'),
  'conversations.setPurpose': setTopicOrPurpose('purpose'),
  'conversations.invite': invite,
  'conversations.join': join,
  'conversations.archive': archive,
  'conversations.history': history,
  'conversations.replies': replies,
};
