import { hostname } from 'node:os';
import type { AppOptions, FirebreakApp } from './app-options.js';
import { createCatalog } from './catalog.js';
import { type Config, policiesOf } from './config.js';
import { startableJobs, underLock } from './cron.js';
import { healthRoutes } from './http/health.js';
import { createHttpServer } from './http/listen.js';
import { createHttpHandler } from './http/server.js';
import { refuseSlackReplays, SLACK_REQUEST_SOURCE } from './http/slack-replay.js';
import { createIncidentEvents } from './incidents/events.js';
import { deploysModule } from './modules/deploys.js';
import { escalationModule } from './modules/escalation.js';
import { homeModule } from './modules/home.js';
import { housekeepingModule } from './modules/housekeeping.js';
import { incidentsModule } from './modules/incidents.js';
import { metricsModule } from './modules/metrics.js';
import type { Module } from './modules/module.js';
import { pagingModule } from './modules/paging.js';
import { timelineModule } from './modules/timeline.js';
import { trackersModule } from './modules/trackers.js';
import { createOutboxWorker } from './outbox/worker.js';
import { createPagerDuty } from './pagerduty.js';
import { createRunner } from './runner.js';
import type { SlackApp } from './slack/bolt.js';
import { tier2Pace } from './slack/chat.js';
import { createSlackClients } from './slack/clients.js';
import { registerListeners, type SlackServices } from './slack/listeners.js';
import { claimDelivery } from './store/deliveries.js';
import { sweepLocks } from './store/locks.js';
import { openDb } from './store/sqlite.js';

export type { AppOptions, FirebreakApp } from './app-options.js';

/** The composition root: opens the database, builds the clients, and wires the modules. */
export function createApp(config: Config, options: AppOptions): FirebreakApp {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const database = openDb(config.databasePath, { busyTimeoutMs: options.dbBusyTimeoutMs });
  const { store, sqlite } = database;
  const file = config.file;
  const policies = policiesOf(config);
  const catalog = createCatalog(file.services);
  // Who this process is on the outbox claims and sweeper locks it holds.
  const instance = options.instanceId ?? hostname();
  // Services kick the worker after their commits, and the worker runs the modules' effects: so
  // the modules are built first and the worker last; a kick before start() does nothing.
  const kick = () => worker.kick();
  const base = { store, now, kick, config, policies, catalog };

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
  const socketMode = Boolean(config.slack.appToken);
  const pager = createPagerDuty({
    ...config.pagerDuty,
    timeoutMs: options.pagerDuty?.timeoutMs,
    onCall: telemetry.pagerdutyCall,
  });

  const events = createIncidentEvents();
  const onAlertsReceived = telemetry.alertsReceived;
  const incidents = incidentsModule({ ...base, slack, events, log, onAlertsReceived });
  const timeline = timelineModule({ ...base, slack, log });
  const { intake, inbox } = incidents.services;
  const deploys = deploysModule({ ...base, incidents: incidents.services.incidents, slack });
  const paging = pagingModule({
    ...base,
    intake,
    incidents: incidents.services.incidents,
    pager,
    slack,
    maxAttempts: options.pagerDuty?.maxAttempts,
  });
  const escalation = escalationModule({ ...base, slack });
  const trackers = trackersModule({ ...base, namesOf: timeline.slack.namesOf });
  const home = homeModule({ ...base, slack, namesOf: timeline.slack.namesOf, log });
  // Listeners run in this order inside the transaction that made the change.
  const modules = [
    housekeepingModule(base),
    incidents,
    timeline,
    deploys,
    paging,
    escalation,
    metrics,
    trackers,
    home,
  ];
  for (const module of modules) for (const listener of module.listeners) events.on(listener);
  for (const module of modules as readonly Module<unknown, unknown>[])
    for (const listener of module.alertListeners ?? []) events.onAlert(listener);

  const worker = createOutboxWorker({
    store,
    now,
    workerId: instance,
    log: log.child({ component: 'outbox' }),
    effects: modules.flatMap((m) => m.effects),
    onResult: telemetry.outboxResult,
    ...options.outbox,
  });

  // Bolt and its listeners are built on first use (a Slack request, Socket Mode's start).
  let built: Promise<SlackApp> | undefined;
  const slackApp = () =>
    (built ??= import('./slack/bolt.js').then(({ createBolt }) => {
      const app = createBolt(config, slack.authorize, log);
      options.onSlackApp?.(app.bolt);
      registerListeners(app.bolt, slackServices);
      return app;
    }));
  const slackServices: SlackServices = {
    store,
    now,
    catalog,
    actorOf: slack.actorOf,
    defaultEnvironment: file.incidents.defaultEnvironment,
    ...incidents.slack,
    ...timeline.slack,
    ...deploys.slack,
    ...paging.slack,
    ...escalation.slack,
    ...trackers.slack,
    ...home.slack,
  };

  let draining = false;
  const http = createHttpHandler({
    log,
    isDraining: () => draining,
    slack: socketMode
      ? undefined
      : refuseSlackReplays(
          async (req, res) => (await slackApp()).receiver?.requestListener(req, res),
          {
            signingSecret: config.slack.signingSecret ?? '',
            claim: (signature, at) =>
              store.tx((tx) => claimDelivery(tx, SLACK_REQUEST_SOURCE, signature, at)),
          },
        ),
    routes: [
      ...healthRoutes({
        dbReady: database.ready,
        isDraining: () => draining,
      }),
      ...modules.flatMap((m) => m.routes),
    ],
  });

  // Each sweep's tick runs under a lock in the database: with replicas, one of them sweeps.
  const jobs = underLock(
    modules.flatMap((m) => m.jobs),
    sweepLocks(store, instance, 2 * 60_000),
  );
  const runner = createRunner({
    log,
    server: createHttpServer(http.listener, options.http),
    port: config.http.port,
    host: config.http.host,
    slack: { socketMode, load: slackApp },
    inbox,
    worker,
    cron: startableJobs(jobs, log),
    startCron: options.cron !== false,
    inFlight: () => http.inFlight,
    startDraining: () => {
      draining = true;
    },
    closeDatabase: database.close,
  });

  return {
    store,
    sqlite,
    slackApp: async () => (await slackApp()).bolt,
    outbox: worker,
    inbox,
    jobs,
    telemetry,
    start: runner.start,
    stop: runner.stop,
  };
}
