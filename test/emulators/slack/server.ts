// startSlackEmulator(): the HTTP server, fault injection, rate limits and the inspection API.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertMessage } from './chat.js';
import { insertChannel } from './conversations.js';
import { receiveUpload } from './files.js';
import { bearerToken, loggedArgs, parseArgs, readBody, sendJson, sendText } from './http.js';
import { METHODS } from './methods.js';
import {
  type Args,
  type Bookmark,
  type CallRecord,
  clearState,
  createState,
  type EmulatedChannel,
  type EmulatedFile,
  type EmulatedMessage,
  type EmulatedUser,
  type EmulatedView,
  type EmulatorState,
  type EphemeralMessage,
  findMessage,
  type Identity,
  type MethodContext,
  nextId,
  type RateLimitHit,
  type ResponseUrlPost,
  type SlackResult,
  str,
  unixSeconds,
} from './model.js';
import { createRateLimiter } from './rate-limits.js';
import { createSocketModeHub, type EnvelopeType, type SocketEnvelope } from './socket-mode.js';
import { mintTriggerId, TRIGGER_TTL_MS } from './views.js';

export interface SeedUser {
  id: string;
  name: string;
  email?: string;
  is_bot?: boolean;
  real_name?: string;
  /** IANA zone users.info reports (Slack's `tz`); Etc/UTC when not given. */
  tz?: string;
}

export interface SeedChannel {
  name: string;
  id?: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** Defaults to the bot alone. Include the bot id or the bot will not be a member. */
  members?: string[];
  creator?: string;
}

export interface SeedMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface SlackEmulatorOptions {
  /** 0 (the default) picks a free port. The server always binds to 127.0.0.1. */
  port?: number;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  appId?: string;
  /** Seeded on start and again on every reset(); the bot user is always present. */
  users?: SeedUser[];
  channels?: SeedChannel[];
  /** Off unless given. windowMs (default 60000) is Slack's minute; shrink it to test quickly. */
  rateLimits?: { windowMs?: number };
  /** Default 3000, Slack's trigger_id lifetime. */
  triggerTtlMs?: number;
  /** Default 5000: how long sendSocketEnvelope waits for the ack. */
  socketAckTimeoutMs?: number;
  /** Default true: the bot may post to public channels it has not joined (chat:write.public). */
  chatWritePublic?: boolean;
  /** Scopes the token holds, sent back in `x-oauth-scopes` as Slack does (default: plenty). */
  grantedScopes?: readonly string[];
  /** Clock for ts, trigger expiry, rate windows and timestamps. Defaults to Date.now. */
  now?: () => number;
}

export type Fault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { delayMs: number };

export interface SlackEmulator {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** `${url}/api/`: what WebClient's slackApiUrl (Bolt's clientOptions.slackApiUrl) gets. */
  readonly apiUrl: string;
  readonly socketModeUrl: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly appId: string;

  /** All state. Collections are cleared in place by reset(), so these references stay valid. */
  readonly state: EmulatorState;
  readonly calls: CallRecord[];
  readonly rateLimited: RateLimitHit[];
  readonly ephemerals: EphemeralMessage[];
  readonly views: EmulatedView[];
  readonly bookmarks: Bookmark[];
  readonly responseUrlPosts: ResponseUrlPost[];
  readonly socketEnvelopes: SocketEnvelope[];

  channel(id: string): EmulatedChannel | undefined;
  channelByName(name: string): EmulatedChannel | undefined;
  /** Every message in the channel, oldest first, thread replies included (they carry thread_ts). */
  messages(channelId: string): EmulatedMessage[];
  pinnedMessages(channelId: string): EmulatedMessage[];
  files(): EmulatedFile[];
  findCalls(method: string): CallRecord[];
  /** Bodies POSTed to one response_url, in order. */
  responsesTo(id: string): unknown[];

  addUser(user: SeedUser): EmulatedUser;
  addChannel(channel: SeedChannel): EmulatedChannel;
  /** Creates or replaces a user group (S…) with these members. */
  setUserGroup(id: string, users: string[]): void;
  /** A message from someone else (a human, say), for chat.update/pins/replies tests. */
  addMessage(message: SeedMessage): EmulatedMessage;
  /** A trigger_id views.open/push will accept once, within triggerTtlMs. */
  triggerId(): string;
  /** A fresh response_url on this emulator; POSTs to it land in responseUrlPosts. */
  responseUrl(id?: string): string;

  /** The next `times` calls to `method` ('*' = any method, 'response_url' = response_url POSTs) fail. */
  failNext(method: string, fault: Fault, times?: number): void;
  /** While down, every method and response_url answers HTTP 503. */
  down(on?: boolean): void;
  /** Delay every answer for `method` ('*' = all); 0 removes the delay. */
  setDelay(method: string, ms: number): void;

  /** Sends an envelope to the connected Socket Mode client; resolves with the ack's payload. */
  sendSocketEnvelope(type: EnvelopeType, payload: object): Promise<unknown>;
  socketClientCount(): number;

  reset(): void;
  close(): Promise<void>;
}

/** Slack allows five posts per response_url. */
const RESPONSE_URL_USES = 5;

const DEFAULT_SCOPES = [
  'channels:history',
  'channels:join',
  'channels:manage',
  'channels:read',
  'chat:write',
  'commands',
  'files:write',
  'groups:history',
  'groups:read',
  'groups:write',
  'im:write',
  'pins:write',
  'reactions:read',
  'usergroups:read',
  'users:read',
  'users:read.email',
];

export async function startSlackEmulator(
  options: SlackEmulatorOptions = {},
): Promise<SlackEmulator> {
  const granted = options.grantedScopes ?? DEFAULT_SCOPES;
  const now = options.now ?? Date.now;
  const identity: Identity = {
    botUserId: options.botUserId ?? 'U0BOT00001',
    botId: options.botId ?? 'B0BOT00001',
    teamId: options.teamId ?? 'T0TEAM0001',
    appId: options.appId ?? 'A0APP00001',
  };
  const state = createState();
  const limiter =
    options.rateLimits === undefined
      ? undefined
      : createRateLimiter(options.rateLimits.windowMs ?? 60_000, now);
  const hub = createSocketModeHub(identity.appId, options.socketAckTimeoutMs ?? 5000);
  const faults: { method: string; fault: Fault; remaining: number }[] = [];
  const delays = new Map<string, number>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let isDown = false;
  let closed = false;
  let url = '';

  function addUser(user: SeedUser): EmulatedUser {
    const created: EmulatedUser = { ...user };
    state.users.set(user.id, created);
    return created;
  }

  function addChannel(channel: SeedChannel): EmulatedChannel {
    const creator = channel.creator ?? identity.botUserId;
    return insertChannel(state, { ...channel, creator, created: unixSeconds(now()) });
  }

  function seed(): void {
    addUser({ id: identity.botUserId, name: 'firebreak', real_name: 'Firebreak', is_bot: true });
    for (const user of options.users ?? []) addUser(user);
    for (const channel of options.channels ?? []) addChannel(channel);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      sleepers.add(entry);
    });
  }

  function takeFault(method: string, includeWildcard: boolean): Fault | undefined {
    const index = faults.findIndex(
      (f) => f.method === method || (includeWildcard && f.method === '*'),
    );
    const entry = faults[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  async function api(method: string, req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const at = now();
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const parsed = await parseArgs(req.headers['content-type'], body, query);
    const args: Args = parsed === 'invalid_json' ? {} : parsed;
    const reply = (status: number, result: SlackResult | string, extra = {}) => {
      const headers = { 'x-oauth-scopes': granted.join(','), ...extra };
      const isResult = typeof result !== 'string';
      state.calls.push({
        method,
        args: loggedArgs(args),
        at,
        status,
        ok: isResult && result.ok,
        ...(isResult && !result.ok ? { error: result.error } : {}),
        ...(!isResult ? { error: `http_${status}` } : {}),
      });
      if (isResult) sendJson(res, status, result, headers);
      else sendText(res, status, result, headers);
    };

    if (isDown) return reply(503, 'Service Unavailable');
    const fault = takeFault(method, true);
    const delay =
      (fault !== undefined && 'delayMs' in fault ? fault.delayMs : 0) +
      (delays.get(method) ?? delays.get('*') ?? 0);
    if (delay > 0) await sleep(delay);
    if (closed) {
      res.destroy();
      return;
    }
    if (fault !== undefined && 'status' in fault) {
      if (fault.status === 429) {
        const retryAfter = String(Math.max(0, Math.floor(fault.retryAfter)));
        return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter });
      }
      return reply(fault.status, `HTTP ${fault.status} (injected by the Slack emulator)`);
    }
    if (fault !== undefined && 'error' in fault) {
      return reply(200, { ok: false, error: fault.error });
    }
    if (parsed === 'invalid_json') return reply(200, { ok: false, error: 'invalid_json' });

    const token = bearerToken(req, args);
    if (token === undefined) return reply(200, { ok: false, error: 'not_authed' });
    const appToken = method === 'apps.connections.open';
    if (!token.startsWith('xox') && !token.startsWith('xapp-')) {
      return reply(200, { ok: false, error: 'invalid_auth' });
    }
    if (appToken !== token.startsWith('xapp-')) {
      return reply(200, { ok: false, error: 'not_allowed_token_type' });
    }
    const handler = METHODS[method];
    if (handler === undefined) return reply(200, { ok: false, error: 'unknown_method' });

    const channel = str(args, 'channel') ?? str(args, 'channel_id');
    const retryAfter = limiter?.check(method, channel);
    if (retryAfter !== undefined) {
      state.rateLimited.push({
        method,
        ...(channel === undefined ? {} : { channel }),
        at,
        retryAfter,
      });
      return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    }
    const ctx: MethodContext = {
      state,
      identity,
      url,
      now,
      triggerTtlMs: options.triggerTtlMs ?? TRIGGER_TTL_MS,
      chatWritePublic: options.chatWritePublic ?? true,
      caller: identity.botUserId,
    };
    return reply(200, handler(args, ctx));
  }

  async function responseUrlPost(id: string, res: ServerResponse, body: Buffer) {
    if (isDown) return sendJson(res, 503, { ok: false, error: 'service_unavailable' });
    const fault = takeFault('response_url', false);
    if (fault !== undefined && 'delayMs' in fault) await sleep(fault.delayMs);
    if (closed) {
      res.destroy();
      return;
    }
    if (fault !== undefined && 'status' in fault) {
      const headers: Record<string, string> =
        fault.status === 429 ? { 'retry-after': String(fault.retryAfter) } : {};
      return sendJson(res, fault.status, { ok: false, error: 'injected' }, headers);
    }
    // Slack answers a bad response_url with a plain-text reason and a 404.
    if (fault !== undefined && 'error' in fault) return sendText(res, 404, fault.error);
    if (state.responseUrlPosts.filter((p) => p.id === id).length >= RESPONSE_URL_USES) {
      return sendText(res, 404, 'used_url');
    }
    const text = body.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the raw text so the test can see what was sent.
    }
    state.responseUrlPosts.push({ id, body: parsed, at: now() });
    return sendJson(res, 200, { ok: true });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = await readBody(req);
    const apiMatch = /^\/api\/([\w.]+)$/.exec(path);
    if (apiMatch?.[1] !== undefined) return api(apiMatch[1], req, res, body);
    const responseMatch = /^\/response_url\/([^/]+)$/.exec(path);
    if (responseMatch?.[1] !== undefined && req.method === 'POST') {
      return responseUrlPost(decodeURIComponent(responseMatch[1]), res, body);
    }
    const uploadMatch = /^\/upload\/v1\/([^/]+)$/.exec(path);
    if (uploadMatch?.[1] !== undefined && req.method === 'POST') {
      const found = await receiveUpload(state, uploadMatch[1], req.headers['content-type'], body);
      return sendText(res, found ? 200 : 404, found ? `OK - ${body.length}` : 'file_not_found');
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: String(error) });
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/socket-mode') {
      hub.upgrade(req, socket, head);
    } else {
      socket.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  seed();

  return {
    url,
    apiUrl: `${url}/api/`,
    socketModeUrl: `${url.replace(/^http/, 'ws')}/socket-mode`,
    ...identity,
    state,
    calls: state.calls,
    rateLimited: state.rateLimited,
    ephemerals: state.ephemerals,
    views: state.views,
    bookmarks: state.bookmarks,
    responseUrlPosts: state.responseUrlPosts,
    socketEnvelopes: hub.envelopes,

    channel: (id) => state.channels.get(id),
    channelByName: (name) => [...state.channels.values()].find((c) => c.name === name),
    messages: (channelId) => [...(state.messages.get(channelId) ?? [])],
    pinnedMessages: (channelId) =>
      (state.pins.get(channelId) ?? []).flatMap((pin) => {
        const message = findMessage(state, channelId, pin.ts);
        return message === undefined ? [] : [message];
      }),
    files: () => [...state.files.values()],
    findCalls: (method) => state.calls.filter((c) => c.method === method),
    responsesTo: (id) => state.responseUrlPosts.filter((p) => p.id === id).map((p) => p.body),

    addUser,
    addChannel,
    setUserGroup: (id, users) => {
      state.usergroups.set(id, [...users]);
    },
    addMessage: (message) => insertMessage(state, now(), message),
    triggerId: () => mintTriggerId(state, now()),
    responseUrl: (id) => `${url}/response_url/${encodeURIComponent(id ?? nextId(state, 'R'))}`,

    failNext(method, fault, times = 1) {
      faults.push({ method, fault, remaining: times });
    },
    down(on = true) {
      isDown = on;
    },
    setDelay(method, ms) {
      if (ms > 0) delays.set(method, ms);
      else delays.delete(method);
    },

    sendSocketEnvelope: (type, payload) => hub.send(type, payload),
    socketClientCount: () => hub.clientCount(),

    reset() {
      clearState(state);
      limiter?.reset();
      faults.length = 0;
      delays.clear();
      isDown = false;
      hub.envelopes.length = 0;
      seed();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      sleepers.clear();
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
