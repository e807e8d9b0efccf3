import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { App, type Authorize, HTTPReceiver, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createCatalog } from './catalog.js';
import type { Config } from './config.js';
import { type Job, startableJobs, underLock } from './cron.js';
import { createBackendResolver } from './deploy/backends/registry.js';
import { verifySignature } from './deploy/backends/webhook.js';
import { createFreezes } from './deploy/freezes.js';
import { createDeployIntake } from './deploy/intake.js';
import { deployListener } from './deploy/listener.js';
import { createNoticeDelivery } from './deploy/notices.js';
import { createRollbacks } from './deploy/rollback.js';
import { createSuspects } from './deploy/suspects.js';
import { alertRoutes } from './http/alerts.js';
import { apiRoutes } from './http/api.js';
import { capConnections } from './http/connections.js';
import { deployRoutes } from './http/deploys.js';
import { freezeGateRoutes } from './http/freeze-gate.js';
import { healthRoutes } from './http/health.js';
import { pagerDutyRoutes } from './http/pagerduty.js';
import { createTelemetry, metricsRoutes, type Telemetry } from './http/prometheus.js';
import { createHttpHandler } from './http/server.js';
import { refuseSlackReplays, SLACK_REQUEST_SOURCE } from './http/slack-replay.js';
import { archiveHandler, createArchiving } from './incidents/archive.js';
import type { IncidentListener } from './incidents/events.js';
import { createFollowups } from './incidents/followups.js';
import { createInbox } from './incidents/inbox.js';
import { createAlertIntake } from './incidents/intake.js';
import { createPublisher } from './incidents/publish.js';
import { createReminders } from './incidents/reminders.js';
import { createIncidents } from './incidents/service.js';
import { boltLogger } from './log.js';
import { createOutboxWorker } from './outbox/worker.js';
import { createPagerDuty } from './pagerduty.js';
import { createPagerDelivery } from './paging/delivery.js';
import { createPagerDutyInbound } from './paging/inbound.js';
import type { PagingPolicy } from './paging/policy.js';
import { createPaging } from './paging/service.js';
import { askForCause, createCauses } from './postmortem/cause.js';
import { createActorResolver } from './slack/actors.js';
import { slackChat, tier2Pace } from './slack/chat.js';
import { slackDeployChat } from './slack/deploy-chat.js';
import { slackPeople } from './slack/directory.js';
import { answerMalformedWith400 } from './slack/errors.js';
import { captureHandlers } from './slack/events/timeline-capture.js';
import { registerListeners } from './slack/listeners.js';
import { claimDelivery, pruneDeliveries } from './store/deliveries.js';
import { tryLock, unlock } from './store/locks.js';
import { pruneSettled } from './store/outbox.js';
import { migrationsApplied, openDb, shippedMigrations } from './store/sqlite.js';
import { createTimelineCapture } from './timeline/capture.js';

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
  readonly db: ReturnType<typeof openDb>['db'];
  readonly sqlite: ReturnType<typeof openDb>['sqlite'];
  readonly outbox: ReturnType<typeof createOutboxWorker>;
  readonly inbox: ReturnType<typeof createInbox>;
  readonly jobs: readonly Job[];
  /** Hooks for the Prometheus metrics (GET /metrics). */
  readonly telemetry: Telemetry;
}

const DAY = 24 * 60 * 60_000;

export function createApp(config: Config, options: AppOptions): FirebreakApp {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const { db, sqlite, close } = openDb(config.databasePath, {
    busyTimeoutMs: options.dbBusyTimeoutMs,
  });
  const expectedMigrations = shippedMigrations();
  const file = config.file;
  const catalog = createCatalog(file.services);
  const registry = new Registry();
  const telemetry = createTelemetry(registry, { db, now });

  // The outbox's own client: no hidden retries (the outbox retries, durably) and 429s come
  // back to us at once instead of pausing every other call.
  const web = new webApi.WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.slackTimeoutMs ?? 15_000,
    logger: boltLogger(log),
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
  const authorize: Authorize<boolean> = async () => {
    const me = await whoAmI();
    return {
      botToken: config.slack.botToken,
      botId: me.botId,
      botUserId: me.botUserId,
      teamId: me.teamId,
    };
  };

  const chat = slackChat({
    client: web,
    botUserId: async () => (await whoAmI()).botUserId,
    channelPrefix: file.incidents.channelPrefix,
    privateChannels: file.incidents.private,
    minPostIntervalMs: options.slackMinPostIntervalMs,
    pace: tier2Pace(options.slackMinuteMs),
    onCall: telemetry.slackCall,
  });
  const publisher = createPublisher({
    db,
    chat,
    catalog,
    now,
    announceChannel: file.incidents.announceChannel,
  });
  // Who this process is on the outbox claims and sweeper locks it holds.
  const instance = options.instanceId ?? hostname();
  // Services kick the worker after their commits, and the worker's handlers call back into
  // those services (paging needs the lifecycle service, rollbacks step themselves): so every
  // service is built first, the worker last from all their handlers, and `kick` forwards to
  // it. No service kicks while it is being built; a kick before start() does nothing anyway.
  const kick = () => worker.kick();
  const capture = createTimelineCapture({ db, now, kick });

  // Deploys: rollback backends per service+environment, freezes, suspects, rollbacks.
  const backends = createBackendResolver(file.services, { now });
  const deploysPolicy = file.deploys;
  const freezes = createFreezes({
    db,
    now,
    kick,
    policy: {
      defaultMs: deploysPolicy.freezeDefault,
      maxMs: deploysPolicy.freezeMax,
      deployers: file.permissions.deployers,
    },
  });
  const suspects = createSuspects({
    db,
    now,
    kick,
    policy: { windowMs: deploysPolicy.suspectWindow, max: deploysPolicy.maxSuspects },
  });
  const rollbacks = createRollbacks({
    db,
    now,
    kick,
    backendFor: backends.resolve,
    freezes,
    policy: {
      deployers: file.permissions.deployers,
      rollbacksExempt: deploysPolicy.rollbacksExempt,
      freezeAfterMs: deploysPolicy.freezeAfterRollback ? deploysPolicy.freezeDefault : null,
      publicUrl: config.http.publicUrl ?? null,
    },
  });
  const deployIntake = createDeployIntake({
    db,
    now,
    catalog,
    freezes,
    kick,
    policy: {
      defaultEnvironment: file.incidents.defaultEnvironment,
      rollbacksExempt: deploysPolicy.rollbacksExempt,
    },
  });

  // Modules that react to incident changes inside the same transaction (PagerDuty, deploys…).
  const listeners: IncidentListener[] = [askForCause, deployListener({ suspects, freezes })];
  const incidents = createIncidents({
    db,
    now,
    catalog,
    kick,
    listeners,
    policy: {
      defaultEnvironment: file.incidents.defaultEnvironment,
      reminders: file.incidents.reminders,
      unownedReminderMs: file.incidents.unownedReminder,
      deployers: file.permissions.deployers,
      commanders: file.permissions.commanders,
      archiveAfterMs: file.incidents.archiveAfter,
    },
  });
  const reminders = createReminders({
    db,
    now,
    kick,
    policy: {
      reminders: file.incidents.reminders,
      unownedReminderMs: file.incidents.unownedReminder,
    },
  });
  const archiving = createArchiving({
    db,
    now,
    kick,
    archiveAfterMs: file.incidents.archiveAfter,
  });
  const intake = createAlertIntake({
    db,
    now,
    catalog,
    kick,
    listeners,
    policy: {
      defaultEnvironment: file.incidents.defaultEnvironment,
      severityLabels: file.incidents.severityLabels,
      reminders: file.incidents.reminders,
      unownedReminderMs: file.incidents.unownedReminder,
      autoResolve: file.incidents.autoResolve,
      archiveAfterMs: file.incidents.archiveAfter,
      maxNewPerMinute: file.incidents.maxNewPerMinute,
    },
  });

  const inbox = createInbox({ db, now, intake, kick, log: log.child({ component: 'inbox' }) });

  // PagerDuty both ways: paging and owner lookups out through the outbox, webhooks in.
  const pagingPolicy: PagingPolicy = {
    restEnabled: Boolean(config.pagerDuty.token),
    services: file.services,
    urgency: file.pagerduty.urgency,
    priorities: file.pagerduty.priorities,
    autoResolve: file.pagerduty.autoResolve,
  };
  const paging = createPaging({ db, now, catalog, kick, policy: pagingPolicy });
  listeners.push(paging.listener);
  const pagerDutyInbound = createPagerDutyInbound({
    db,
    now,
    kick,
    policy: pagingPolicy,
    intake,
    incidents,
  });

  // The outbox: one handler per kind, each next to the edge that carries it out.
  const slackOrigin = new URL(config.slack.apiUrl).origin;
  const worker = createOutboxWorker({
    db,
    now,
    workerId: instance,
    log: log.child({ component: 'outbox' }),
    effects: [
      ...publisher.effects,
      archiveHandler({ db, chat, now }),
      ...captureHandlers({
        capture,
        client: web,
        call: chat.call,
        botUserId: async () => (await whoAmI()).botUserId,
        pinReaction: file.incidents.pinReaction,
      }),
      createNoticeDelivery({
        db,
        chat: slackDeployChat({
          client: web,
          call: chat.call,
          publicUrl: config.http.publicUrl ?? null,
        }),
      }),
      ...rollbacks.effects,
      ...createPagerDelivery({
        db,
        now,
        kick,
        policy: pagingPolicy,
        pager: createPagerDuty({
          ...config.pagerDuty,
          timeoutMs: options.pagerDuty?.timeoutMs,
          onCall: telemetry.pagerdutyCall,
        }),
        people: slackPeople(chat.call, web),
        incidents,
        // Slack's own redirect opens the channel in the app (GovSlack and emulators: their host).
        channelUrl: (channelId) => `${slackOrigin}/app_redirect?channel=${channelId}`,
        maxAttempts: options.pagerDuty?.maxAttempts,
      }),
    ],
    onResult: telemetry.outboxResult,
    ...options.outbox,
  });

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
  options.onSlackApp?.(bolt);
  const followups = createFollowups({ db, now });
  const causes = createCauses({ db, now, kick });
  const actorOf = createActorResolver({
    client: web,
    privileged: [...file.permissions.deployers, ...file.permissions.commanders],
    now,
    log: log.child({ component: 'slack-actors' }),
  });
  registerListeners(bolt, {
    db,
    now,
    catalog,
    incidents,
    reminders,
    archiving,
    paging,
    actorOf,
    capture,
    followups,
    causes,
    pinReaction: file.incidents.pinReaction,
    defaultEnvironment: file.incidents.defaultEnvironment,
    deploys: {
      db,
      catalog,
      incidents,
      freezes,
      rollbacks,
      suspects,
      actorOf,
      policy: {
        defaultEnvironment: file.incidents.defaultEnvironment,
        freezeDefaultMs: deploysPolicy.freezeDefault,
        freezeMaxMs: deploysPolicy.freezeMax,
        environments: [
          ...new Set(Object.values(file.services).flatMap((s) => Object.keys(s.environments))),
        ],
      },
    },
  });
  bolt.error(async (error) => {
    log.error({ err: error }, 'slack listener failed');
  });

  let draining = false;
  const http = createHttpHandler({
    log,
    isDraining: () => draining,
    slack:
      receiver &&
      refuseSlackReplays(receiver.requestListener, {
        signingSecret: config.slack.signingSecret ?? '',
        claim: (signature, at) => claimDelivery(db, SLACK_REQUEST_SOURCE, signature, at),
      }),
    routes: [
      ...healthRoutes({
        dbReady: () => sqlite.open && migrationsApplied(sqlite, expectedMigrations),
        isDraining: () => draining,
      }),
      ...alertRoutes({
        inbox,
        ingestToken: config.ingestToken,
        onReceived: telemetry.alertsReceived,
      }),
      ...pagerDutyRoutes({
        secrets: config.pagerDuty.webhookSecrets,
        receive: pagerDutyInbound.receive,
      }),
      ...apiRoutes({ db, now, apiToken: config.apiToken }),
      ...metricsRoutes(registry),
      ...deployRoutes({
        intake: deployIntake,
        rollbacks,
        ingestToken: config.ingestToken,
        githubWebhookSecret: config.githubWebhookSecret,
        callbackSecret: (id) => {
          const row = rollbacks.find(id);
          return row ? backends.webhookSecret(row.service, row.environment) : null;
        },
        verifyCallback: (secret, headers, body) => verifySignature(secret, headers, body, now()),
      }),
      ...freezeGateRoutes({
        freezes,
        resolveService: (name) => catalog.resolve(name).service,
        defaultEnvironment: file.incidents.defaultEnvironment,
        auth: deploysPolicy.gateAuth,
        apiToken: config.apiToken,
      }),
    ],
  });
  // Short header timeout, checked every second (Node's default check is every 30 s), and a cap
  // on connections that evicts idle ones first: idle sockets cannot crowd out real requests.
  const server: Server = createServer(
    {
      requestTimeout: 30_000,
      headersTimeout: options.http?.headersTimeoutMs ?? 10_000,
      connectionsCheckingInterval: 1_000,
    },
    http.listener,
  );
  capConnections(server, options.http?.maxConnections ?? 512);

  const sweeps: Job[] = [
    {
      name: 'prune',
      schedule: '17 3 * * *',
      run: () => {
        const cutoff = new Date(now().getTime() - 7 * DAY);
        pruneDeliveries(db, cutoff);
        // Pending items are work still to do (an archive may be scheduled days ahead).
        pruneSettled(db, cutoff);
      },
    },
    {
      // Due times are on the incident rows; each sweep posts what is due and moves it on.
      name: 'reminders',
      schedule: '*/30 * * * * *',
      run: () => {
        reminders.sweep();
      },
    },
    // Freezes lift themselves at expiry; due times live in SQLite, so a restart misses none.
    { name: 'freeze-expiry', schedule: '*/30 * * * * *', run: () => void freezes.expireDue() },
  ];
  // Each sweep's tick runs under a lock in the database: with replicas, one of them sweeps. The
  // ttl is longer than any tick; a holder that dies blocks the others this long at most (the
  // same instance, restarted, takes its own lock back at once).
  const jobs = underLock(sweeps, {
    tryLock: (name) => tryLock(db, name, instance, 2 * 60_000),
    unlock: (name) => unlock(db, name, instance),
  });
  const cron = startableJobs(jobs, log);

  return {
    db,
    sqlite,
    outbox: worker,
    inbox,
    jobs,
    telemetry,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.http.port, config.http.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      if (socketMode) await bolt.start();
      inbox.start();
      worker.start();
      if (options.cron !== false) cron.start();
      const { port } = server.address() as AddressInfo;
      log.info(
        { port, host: config.http.host, mode: socketMode ? 'socket' : 'http' },
        'firebreak is ready',
      );
      return { port };
    },
    async stop({ timeoutMs = 10_000 } = {}) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Let requests already inside finish (their data is committed before they answer).
      while (http.inFlight > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections();
      await closed;
      await cron.stop();
      // Turn what was accepted into incidents now, so their Slack effects are queued before we go.
      inbox.stop();
      inbox.drain(Math.max(0, deadline - Date.now()) / 2);
      await worker.stop(Math.max(0, deadline - Date.now()));
      if (socketMode) await bolt.stop().catch(() => {});
      close();
      log.info('firebreak stopped');
    },
  };
}
