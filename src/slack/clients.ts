import type { Authorize } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { boltLogger } from '../log.js';
import { createActorResolver } from './actors.js';
import { type Pace, type SlackChatOptions, slackChat } from './chat.js';

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
  const web = new WebClient(config.slack.botToken, {
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

export type SlackClients = ReturnType<typeof createSlackClients>;
