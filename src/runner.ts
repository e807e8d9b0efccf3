import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Jobs } from './cron.js';
import { closeServer, listen } from './http/listen.js';
import type { Inbox } from './incidents/inbox.js';
import type { OutboxWorker } from './outbox/worker.js';

export interface RunnerParts {
  log: Logger;
  server: Server;
  port: number;
  host: string;
  /**
   * Bolt, built on first use. Socket Mode: it holds its own connection to Slack, opened at start.
   * HTTP mode: Slack comes through `server`, and the first Slack request builds Bolt (~0.2 s,
   * well inside Slack's 3 s to acknowledge).
   */
  slack: { socketMode: boolean; load: () => Promise<{ bolt: App }> };
  inbox: Inbox;
  worker: OutboxWorker;
  cron: Jobs;
  /** Tests drive the sweeps by hand. */
  startCron: boolean;
  /** Requests being handled right now. */
  inFlight: () => number;
  /** From now on new webhooks are refused with 503 (the sender retries elsewhere or later). */
  startDraining: () => void;
  closeDatabase: () => void;
}

/** The order the bot starts in, and the order it stops in without losing what it accepted. */
export function createRunner(parts: RunnerParts) {
  const { log, server, inbox, worker, cron, slack } = parts;
  return {
    async start() {
      const port = await listen(server, parts.port, parts.host);
      if (slack.socketMode) await (await slack.load()).bolt.start();
      inbox.start();
      await worker.start();
      if (parts.startCron) cron.start();
      log.info(
        { port, host: parts.host, mode: slack.socketMode ? 'socket' : 'http' },
        'firebreak is ready',
      );
      return { port };
    },
    /** Graceful: refuse new webhooks, finish in-flight requests and deliveries, close the DB. */
    async stop({ timeoutMs = 10_000 } = {}) {
      parts.startDraining();
      const deadline = Date.now() + timeoutMs;
      await closeServer(server, parts.inFlight, deadline);
      await cron.stop();
      // Turn what was accepted into incidents now, so their Slack effects are queued before we go.
      inbox.stop();
      await inbox.drain(Math.max(0, deadline - Date.now()) / 2);
      await worker.stop(Math.max(0, deadline - Date.now()));
      if (slack.socketMode) await (await slack.load()).bolt.stop().catch(() => {});
      parts.closeDatabase();
      log.info('firebreak stopped');
    },
  };
}
