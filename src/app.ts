import { hostname } from 'node:os';
import type { AppOptions, FirebreakApp } from './app-options.js';
import { createCatalog } from './catalog.js';
import { type Config, policiesOf } from './config.js';
import { startableJobs, underLock } from './cron.js';
import { healthRoutes } from './http/health.js';
import { closeServer, createHttpServer, listen } from './http/listen.js';
import { createHttpHandler } from './http/server.js';
import { refuseSlackReplays, SLACK_REQUEST_SOURCE } from './http/slack-replay.js';
import { createIncidentEvents } from './incidents/events.js';
import { deploysModule } from './modules/deploys.js';
import { housekeepingModule } from './modules/housekeeping.js';
import { incidentsModule } from './modules/incidents.js';
import { metricsModule } from './modules/metrics.js';
import { pagingModule } from './modules/paging.js';
import { timelineModule } from './modules/timeline.js';
import { createOutboxWorker } from './outbox/worker.js';
import { createPagerDuty } from './pagerduty.js';
import { tier2Pace } from './slack/chat.js';
import { createBolt, createSlackClients } from './slack/clients.js';
import { registerListeners } from './slack/listeners.js';
import { claimDelivery } from './store/deliveries.js';
import { tryLock, unlock } from './store/locks.js';
import { migrationsApplied, openDb, shippedMigrations } from './store/sqlite.js';

export type { AppOptions, FirebreakApp } from './app-options.js';

/** The composition root: opens the database, builds the clients, and wires the modules. */
export function createApp(config: Config, options: AppOptions): FirebreakApp {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const { db, sqlite, close } = openDb(config.databasePath, {
    busyTimeoutMs: options.dbBusyTimeoutMs,
  });
  const expectedMigrations = shippedMigrations();
  const file = config.file;
  const policies = policiesOf(config);
  const catalog = createCatalog(file.services);
  // Who this process is on the outbox claims and sweeper locks it holds.
  const instance = options.instanceId ?? hostname();
  // Services kick the worker after their commits, and the worker runs the modules' effects: so
  // the modules are built first and the worker last; a kick before start() does nothing.
  const kick = () => worker.kick();
  const base = { db, now, kick, config, policies, catalog };

  const metrics = metricsModule(base);
  const { telemetry } = metrics.services;
  const slack = createSlackClients(config, {
    log,
    now,
    timeoutMs: options.slackTimeoutMs,
    minPostIntervalMs: options.slackMinPostIntervalMs,
    pace: tier2Pace(options.slackMinuteMs),
    onCall: telemetry.slackCall,
  });
  const { bolt, receiver, socketMode } = createBolt(config, slack.authorize, log);
  const pager = createPagerDuty({
    ...config.pagerDuty,
    timeoutMs: options.pagerDuty?.timeoutMs,
    onCall: telemetry.pagerdutyCall,
  });

  const events = createIncidentEvents();
  const incidents = incidentsModule({
    ...base,
    slack,
    events,
    log,
    onAlertsReceived: telemetry.alertsReceived,
  });
  const timeline = timelineModule({ ...base, slack });
  const { intake, inbox } = incidents.services;
  const deploys = deploysModule({
    ...base,
    incidents: incidents.services.incidents,
    slack,
  });
  const paging = pagingModule({
    ...base,
    intake,
    incidents: incidents.services.incidents,
    pager,
    slack,
    maxAttempts: options.pagerDuty?.maxAttempts,
  });
  // Listeners run in this order inside the transaction that made the change.
  const modules = [housekeepingModule(base), incidents, timeline, deploys, paging, metrics];
  for (const module of modules) for (const listener of module.listeners) events.on(listener);

  const worker = createOutboxWorker({
    db,
    now,
    workerId: instance,
    log: log.child({ component: 'outbox' }),
    effects: modules.flatMap((m) => m.effects),
    onResult: telemetry.outboxResult,
    ...options.outbox,
  });

  options.onSlackApp?.(bolt);
  registerListeners(bolt, {
    db,
    now,
    catalog,
    actorOf: slack.actorOf,
    defaultEnvironment: file.incidents.defaultEnvironment,
    ...incidents.slack,
    ...timeline.slack,
    ...deploys.slack,
    ...paging.slack,
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
      ...modules.flatMap((m) => m.routes),
    ],
  });
  const server = createHttpServer(http.listener, options.http);

  // Each sweep's tick runs under a lock in the database: with replicas, one of them sweeps. The
  // ttl is longer than any tick; a holder that dies blocks the others this long at most (the
  // same instance, restarted, takes its own lock back at once).
  const jobs = underLock(
    modules.flatMap((m) => m.jobs),
    {
      tryLock: (name) => tryLock(db, name, instance, 2 * 60_000),
      unlock: (name) => unlock(db, name, instance),
    },
  );
  const cron = startableJobs(jobs, log);

  return {
    db,
    sqlite,
    outbox: worker,
    inbox,
    jobs,
    telemetry,
    async start() {
      const port = await listen(server, config.http.port, config.http.host);
      if (socketMode) await bolt.start();
      inbox.start();
      worker.start();
      if (options.cron !== false) cron.start();
      log.info(
        { port, host: config.http.host, mode: socketMode ? 'socket' : 'http' },
        'firebreak is ready',
      );
      return { port };
    },
    async stop({ timeoutMs = 10_000 } = {}) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      await closeServer(server, () => http.inFlight, deadline);
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
