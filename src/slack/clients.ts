import { App, type Authorize, HTTPReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { boltLogger } from '../log.js';
import { createActorResolver } from './actors.js';
import { type Pace, type SlackChatOptions, slackChat } from './chat.js';
import { answerMalformedWith400 } from './errors.js';

export interface SlackClientOptions {
  log: Logger;
  now: () => Date;
  /** Timeout of one Web API call made by the outbox. */
  timeoutMs?: number;
  /** Pace of messages into one channel, and of the Tier 2 methods. */
  minPostIntervalMs?: number;
  pace: Pace;
  onCall?: SlackChatOptions['onCall'];
}

/**
 * The Web API client the outbox delivers with, who the bot is, the Chat port over them, and who
 * a Slack user is (with the user groups the permissions name).
 * The client has no hidden retries (the outbox retries, durably) and hands 429s back at once
 * instead of pausing every other call.
 */
export function createSlackClients(config: Config, options: SlackClientOptions) {
  const web = new webApi.WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 15_000,
    logger: boltLogger(options.log),
  });
  // Who the bot is, asked lazily so the process starts (and accepts alerts) even when Slack
  // is unreachable; a failed lookup is not cached.
  let identity: Promise<{ botId: string; botUserId: string; teamId: string }> | undefined;
  const whoAmI = () => {
    identity ??= web.auth.test().then(
      (r) => ({ botId: r.bot_id ?? '', botUserId: r.user_id ?? '', teamId: r.team_id ?? '' }),
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    );
    return identity;
  };
  const botUserId = async () => (await whoAmI()).botUserId;
  const authorize: Authorize<boolean> = async () => {
    const me = await whoAmI();
    return { botToken: config.slack.botToken, ...me };
  };
  const chat = slackChat({
    client: web,
    botUserId,
    channelPrefix: config.file.incidents.channelPrefix,
    privateChannels: config.file.incidents.private,
    minPostIntervalMs: options.minPostIntervalMs,
    pace: options.pace,
    onCall: options.onCall,
  });
  const actorOf = createActorResolver({
    client: web,
    privileged: [...config.file.permissions.deployers, ...config.file.permissions.commanders],
    now: options.now,
    log: options.log.child({ component: 'slack-actors' }),
  });
  return { web, chat, botUserId, authorize, actorOf };
}

/**
 * The Bolt app: over HTTP (its receiver's listener is mounted on our server at /slack/events)
 * or, with an app token, over Socket Mode.
 */
export function createBolt(config: Config, authorize: Authorize<boolean>, log: Logger) {
  const socketMode = Boolean(config.slack.appToken);
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? '',
        endpoints: '/slack/events',
        logger: boltLogger(log),
        processEventErrorHandler: answerMalformedWith400,
      });
  const bolt = new App({
    authorize,
    logger: boltLogger(log),
    // Listeners call Slack while someone waits (views.open has 3 s): retry briefly, not for
    // half an hour (WebClient's default). Socket Mode's apps.connections.open uses it too.
    clientOptions: {
      slackApiUrl: config.slack.apiUrl,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
    },
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.slack.appToken }),
  });
  bolt.error(async (error) => {
    log.error({ err: error }, 'slack listener failed');
  });
  return { bolt, receiver, socketMode };
}

export type SlackClients = ReturnType<typeof createSlackClients>;
