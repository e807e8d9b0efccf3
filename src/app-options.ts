import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Job } from './cron.js';
import type { Telemetry } from './http/prometheus.js';
import type { Inbox } from './incidents/inbox.js';
import type { OutboxWorker } from './outbox/worker.js';
import type { OpenDb } from './store/sqlite.js';

export interface AppOptions {
  log: Logger;
  /** The clock; tests pass a controllable one. */
  now?: () => Date;
  /** Pace of messages into one Slack channel (Slack allows about 1/s). */
  slackMinPostIntervalMs?: number;
  /** Slack's minute for our pacing of Tier 2 methods (tests shrink it, as they do the emulator's). */
  slackMinuteMs?: number;
  /** Timeout of one Slack Web API call. */
  slackTimeoutMs?: number;
  outbox?: {
    pollMs?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    concurrency?: number;
    rerunDelayMs?: number;
  };
  /**
   * Who this process is among those sharing the database (outbox claims, sweeper locks): unique
   * per replica and the same across its restarts. Defaults to the host name.
   */
  instanceId?: string;
  /** How long a write waits for a lock held by another connection. */
  dbBusyTimeoutMs?: number;
  /** Start the cron sweepers (tests drive them by hand). */
  cron?: boolean;
  /** Called with the Bolt app before the listeners are registered (the manifest test reads them). */
  onSlackApp?: (app: App) => void;
  /** Connections kept open at most (idle ones are closed first) and the header timeout. */
  http?: { maxConnections?: number; headersTimeoutMs?: number };
  /** Timeout of one PagerDuty call, and attempts before a page is reported failed. */
  pagerDuty?: { timeoutMs?: number; maxAttempts?: number };
}

export interface FirebreakApp {
  start(): Promise<{ port: number }>;
  /** Graceful: refuse new webhooks, finish in-flight requests and deliveries, close the DB. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  readonly store: OpenDb['store'];
  /** Bolt, built on first use (a Slack request, or Socket Mode's start); this builds it now. */
  slackApp(): Promise<App>;
  readonly sqlite: OpenDb['sqlite'];
  readonly outbox: OutboxWorker;
  readonly inbox: Inbox;
  readonly jobs: readonly Job[];
  /** Hooks for the Prometheus metrics (GET /metrics). */
  readonly telemetry: Telemetry;
}
