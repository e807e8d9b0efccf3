// chat.*, pins.*, reactions.add and bookmarks.add over the emulated channels.
import { validateMessageBlocks } from './block-kit.js';
import {
  type Args,
  channelMessages,
  type EmulatedChannel,
  type EmulatedMessage,
  type EmulatorState,
  fail,
  findMessage,
  jsonArg,
  type MethodContext,
  type MethodHandler,
  messageJson,
  nextId,
  nextTs,
  ok,
  type SlackFail,
  str,
  unixSeconds,
  visibleChannel,
} from './model.js';

/** chat.postMessage silently truncates longer text (limit cited in bolt-js#2509). */
export const POST_TEXT_LIMIT = 40_000;
/** chat.update rejects longer text with msg_too_long. */
export const UPDATE_TEXT_LIMIT = 4_000;

export interface NewMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  subtype?: string;
  files?: EmulatedMessage['files'];
}

/** Appends a message and keeps the thread parent's reply bookkeeping in step, as Slack does. */
export function insertMessage(state: EmulatorState, nowMs: number, input: NewMessage) {
  const messages = channelMessages(state, input.channel);
  const parent =
    input.thread_ts === undefined ? undefined : findMessage(state, input.channel, input.thread_ts);
  // Slack posts to the channel when thread_ts names no message there.
  const root = parent === undefined ? undefined : (parent.thread_ts ?? parent.ts);
  const message: EmulatedMessage = {
    channel: input.channel,
    ts: nextTs(state, nowMs),
    user: input.user,
    text: input.text,
    ...(input.blocks === undefined ? {} : { blocks: input.blocks }),
    ...(root === undefined ? {} : { thread_ts: root }),
    ...(input.subtype === undefined ? {} : { subtype: input.subtype }),
    ...(input.files === undefined ? {} : { files: input.files }),
    editCount: 0,
  };
  messages.push(message);
  const rootMessage = root === undefined ? undefined : findMessage(state, input.channel, root);
  if (rootMessage !== undefined) {
    rootMessage.thread_ts = rootMessage.ts;
    rootMessage.reply_count = (rootMessage.reply_count ?? 0) + 1;
    rootMessage.reply_users = [...new Set([...(rootMessage.reply_users ?? []), input.user])];
    rootMessage.latest_reply = message.ts;
  }
  return message;
}

/** Blocks argument → array, or the error Slack would give. */
function blocksArg(args: Args): { blocks?: unknown[] } | SlackFail {
  const parsed = jsonArg(args, 'blocks');
  if (parsed === undefined) return {};
  if ('invalid' in parsed) return fail('invalid_blocks_format');
  const problem = validateMessageBlocks(parsed.value);
  if (problem !== undefined) return problem;
  return { blocks: parsed.value as unknown[] };
}

const isFail = (value: object): value is SlackFail => 'ok' in value && value.ok === false;

function postable(args: Args, ctx: MethodContext): EmulatedChannel | SlackFail {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  if (channel.is_archived) return fail('is_archived');
  if (!channel.members.includes(ctx.caller) && !ctx.chatWritePublic) return fail('not_in_channel');
  return channel;
}

const hasText = (text: string | undefined): text is string => text !== undefined && text !== '';

const postMessage: MethodHandler = (args, ctx) => {
  const channel = postable(args, ctx);
  if (isFail(channel)) return channel;
  const text = str(args, 'text') ?? str(args, 'markdown_text');
  const blocks = blocksArg(args);
  if (isFail(blocks)) return blocks;
  const attachments = jsonArg(args, 'attachments');
  if (!hasText(text) && blocks.blocks === undefined && attachments === undefined) {
    return fail('no_text');
  }
  const threadTs = str(args, 'thread_ts');
  const message = insertMessage(ctx.state, ctx.now(), {
    channel: channel.id,
    user: ctx.caller,
    text: (text ?? '').slice(0, POST_TEXT_LIMIT),
    ...(blocks.blocks === undefined ? {} : { blocks: blocks.blocks }),
    ...(threadTs === undefined || threadTs === '' ? {} : { thread_ts: threadTs }),
  });
  return ok({ channel: channel.id, ts: message.ts, message: messageJson(message, ctx.identity) });
};

const postEphemeral: MethodHandler = (args, ctx) => {
  const channel = postable(args, ctx);
  if (isFail(channel)) return channel;
  const user = str(args, 'user');
  if (user === undefined || !ctx.state.users.has(user)) return fail('user_not_found');
  if (!channel.members.includes(user)) return fail('user_not_in_channel');
  const text = str(args, 'text');
  const blocks = blocksArg(args);
  if (isFail(blocks)) return blocks;
  if (!hasText(text) && blocks.blocks === undefined) return fail('no_text');
  const threadTs = str(args, 'thread_ts');
  const messageTs = nextTs(ctx.state, ctx.now());
  ctx.state.ephemerals.push({
    channel: channel.id,
    user,
    text: text ?? '',
    ...(blocks.blocks === undefined ? {} : { blocks: blocks.blocks }),
    ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    message_ts: messageTs,
    at: ctx.now(),
  });
  return ok({ message_ts: messageTs });
};

const update: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  const message = findMessage(ctx.state, channel.id, str(args, 'ts'));
  if (message === undefined) return fail('message_not_found');
  if (message.user !== ctx.caller) return fail('cant_update_message');
  if (channel.is_archived) return fail('is_archived');
  const text = str(args, 'text');
  if (text !== undefined && text.length > UPDATE_TEXT_LIMIT) return fail('msg_too_long');
  const blocks = blocksArg(args);
  if (isFail(blocks)) return blocks;
  // Omitted fields keep their previous value; an empty blocks array removes the blocks.
  if (text !== undefined) message.text = text;
  if (blocks.blocks !== undefined) {
    if (blocks.blocks.length === 0) delete message.blocks;
    else message.blocks = blocks.blocks;
  }
  message.editCount += 1;
  message.edited = { user: ctx.caller, ts: nextTs(ctx.state, ctx.now()) };
  return ok({
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: messageJson(message, ctx.identity),
  });
};

const getPermalink: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  const message = findMessage(ctx.state, channel.id, str(args, 'message_ts'));
  if (message === undefined) return fail('message_not_found');
  const base = `${ctx.url}/archives/${channel.id}/p${message.ts.replace('.', '')}`;
  const thread =
    message.thread_ts !== undefined && message.thread_ts !== message.ts
      ? `?thread_ts=${message.thread_ts}&cid=${channel.id}`
      : '';
  return ok({ channel: channel.id, permalink: `${base}${thread}` });
};

function pinTarget(args: Args, ctx: MethodContext) {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  if (!channel.members.includes(ctx.caller)) return fail('not_in_channel');
  const message = findMessage(ctx.state, channel.id, str(args, 'timestamp'));
  if (message === undefined) return fail('message_not_found');
  const pins = ctx.state.pins.get(channel.id) ?? [];
  ctx.state.pins.set(channel.id, pins);
  return { channel, message, pins };
}

const pinsAdd: MethodHandler = (args, ctx) => {
  const target = pinTarget(args, ctx);
  if (isFail(target)) return target;
  if (target.channel.is_archived) return fail('is_archived');
  if (target.pins.some((p) => p.ts === target.message.ts)) return fail('already_pinned');
  if (target.pins.length >= 100) return fail('too_many_pins');
  target.pins.push({
    channel: target.channel.id,
    ts: target.message.ts,
    created_by: ctx.caller,
    created: unixSeconds(ctx.now()),
  });
  return ok();
};

const pinsRemove: MethodHandler = (args, ctx) => {
  const target = pinTarget(args, ctx);
  if (isFail(target)) return target;
  const index = target.pins.findIndex((p) => p.ts === target.message.ts);
  if (index === -1) return fail('no_pin');
  target.pins.splice(index, 1);
  return ok();
};

const pinsList: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  const items = (ctx.state.pins.get(channel.id) ?? []).flatMap((pin) => {
    const message = findMessage(ctx.state, channel.id, pin.ts);
    if (message === undefined) return [];
    return [
      {
        type: 'message',
        created: pin.created,
        created_by: pin.created_by,
        channel: channel.id,
        message: messageJson(message, ctx.identity),
      },
    ];
  });
  return ok({ items });
};

const reactionsAdd: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel'));
  if (channel === undefined) return fail('channel_not_found');
  const message = findMessage(ctx.state, channel.id, str(args, 'timestamp'));
  if (message === undefined) return fail('message_not_found');
  const name = str(args, 'name')?.replace(/^:|:$/g, '');
  if (name === undefined || name === '') return fail('invalid_name');
  const reactions = message.reactions ?? [];
  message.reactions = reactions;
  const reaction = reactions.find((r) => r.name === name);
  if (reaction?.users.includes(ctx.caller)) return fail('already_reacted');
  if (reaction === undefined) reactions.push({ name, users: [ctx.caller], count: 1 });
  else {
    reaction.users.push(ctx.caller);
    reaction.count += 1;
  }
  return ok();
};

const bookmarksAdd: MethodHandler = (args, ctx) => {
  const channel = visibleChannel(ctx, str(args, 'channel_id'));
  if (channel === undefined) return fail('channel_not_found');
  if (channel.is_archived) return fail('is_archived');
  if (!channel.members.includes(ctx.caller)) return fail('not_in_channel');
  const title = str(args, 'title');
  if (title === undefined || title === '') return fail('invalid_arguments');
  const type = str(args, 'type');
  if (type !== 'link') return fail('invalid_bookmark_type');
  const link = str(args, 'link') ?? '';
  if (!/^https?:\/\//.test(link)) return fail('invalid_link');
  const emoji = str(args, 'emoji');
  const bookmark = {
    id: nextId(ctx.state, 'Bk'),
    channel_id: channel.id,
    title,
    type,
    link,
    ...(emoji === undefined ? {} : { emoji }),
    date_created: unixSeconds(ctx.now()),
  };
  ctx.state.bookmarks.push(bookmark);
  return ok({
    bookmark: {
      ...bookmark,
      emoji: emoji ?? null,
      icon_url: null,
      entity_id: null,
      date_updated: bookmark.date_created,
      rank: 'U',
      last_updated_by_user_id: ctx.caller,
      last_updated_by_team_id: ctx.identity.teamId,
      shortcut_id: null,
      app_id: null,
    },
  });
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.postEphemeral': postEphemeral,
  'chat.update': update,
  'chat.getPermalink': getPermalink,
  'pins.add': pinsAdd,
  'pins.remove': pinsRemove,
  'pins.list': pinsList,
  'reactions.add': reactionsAdd,
  'bookmarks.add': bookmarksAdd,
};
