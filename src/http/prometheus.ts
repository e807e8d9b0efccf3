import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { AUTO_ROLLBACK_DECISIONS } from '../domain/auto-rollback.js';
import { SEVERITIES } from '../domain/incident.js';
import { autoRollbackCounts } from '../store/auto-rollbacks.js';
import { openIncidentsBySeverity } from '../store/incident-reads.js';
import { outboxStats } from '../store/outbox.js';
import type { Store } from '../store/unit-of-work.js';
import { sendText } from './body.js';
import type { Route } from './server.js';

export interface TelemetryDeps {
  store: Store;
  now: () => Date;
}

// Slack answers in tens of milliseconds to seconds; deliveries include our own pacing.
const CALL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The bot's own metrics on a registry the composition root owns (never prom-client's global
 * one, so two apps in one process, as in the tests, do not share counters). The returned
 * hooks plug into the Slack Chat port (onCall), the outbox worker (onResult), the alert
 * routes (onReceived) and the PagerDuty client.
 */
export function createTelemetry(registry: Registry, deps: TelemetryDeps) {
  collectDefaultMetrics({ register: registry, prefix: 'firebreak_' });

  const alertsReceived = new Counter({
    name: 'firebreak_alerts_received_total',
    help: 'Alerts received on the alert webhooks, by source.',
    labelNames: ['source'],
    registers: [registry],
  });
  new Gauge({
    name: 'firebreak_incidents_open',
    help: 'Incidents not resolved, by severity.',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      const rows = await deps.store.read((tx) => openIncidentsBySeverity(tx));
      for (const severity of SEVERITIES) {
        this.set({ severity }, rows.find((r) => r.severity === severity)?.n ?? 0);
      }
    },
  });
  const outbox = () => deps.store.read((tx) => outboxStats(tx, deps.now()));
  new Gauge({
    name: 'firebreak_outbox_pending',
    help: 'Side effects committed but not delivered yet.',
    registers: [registry],
    async collect() {
      this.set((await outbox()).pending);
    },
  });
  new Gauge({
    name: 'firebreak_outbox_failed',
    help: 'Side effects given up after retries (parked as failed).',
    registers: [registry],
    async collect() {
      this.set((await outbox()).failed);
    },
  });
  new Gauge({
    name: 'firebreak_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest undelivered side effect; grows while Slack or PagerDuty is down.',
    registers: [registry],
    async collect() {
      this.set((await outbox()).oldestPendingAgeMs / 1000);
    },
  });
  // Automatic rollback decisions, counted from their rows: exact across restarts and replicas.
  const autoRollbacks = () => deps.store.read((tx) => autoRollbackCounts(tx));
  new Counter({
    name: 'firebreak_auto_rollback_decisions_total',
    help: 'Automatic rollback decisions (deploys.autoRollback) by outcome: refused, shadow, scheduled.',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const { decisions } = await autoRollbacks();
      this.reset();
      for (const outcome of AUTO_ROLLBACK_DECISIONS) this.inc({ outcome }, decisions[outcome] ?? 0);
    },
  });
  new Counter({
    name: 'firebreak_auto_rollback_countdowns_total',
    help: 'How scheduled automatic rollbacks ended: executed, cancelled, superseded, aborted.',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const { settled } = await autoRollbacks();
      this.reset();
      for (const outcome of ['executed', 'cancelled', 'superseded', 'aborted'])
        this.inc({ outcome }, settled[outcome] ?? 0);
    },
  });
  const deliveries = new Counter({
    name: 'firebreak_outbox_deliveries_total',
    help: 'Outbox delivery attempts by kind and outcome (done, retry, failed).',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const deliverySeconds = new Histogram({
    name: 'firebreak_outbox_delivery_duration_seconds',
    help: 'Time one outbox delivery attempt took.',
    labelNames: ['kind'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const slackCalls = new Counter({
    name: 'firebreak_slack_calls_total',
    help: 'Slack Web API calls by method and outcome (ok, error, ratelimited).',
    labelNames: ['method', 'outcome'],
    registers: [registry],
  });
  const slackSeconds = new Histogram({
    name: 'firebreak_slack_call_duration_seconds',
    help: 'Slack Web API call latency.',
    labelNames: ['method'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
  const pagerCalls = new Counter({
    name: 'firebreak_pagerduty_calls_total',
    help: 'PagerDuty API calls by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const pagerSeconds = new Histogram({
    name: 'firebreak_pagerduty_call_duration_seconds',
    help: 'PagerDuty API call latency.',
    labelNames: ['operation'],
    buckets: CALL_BUCKETS,
    registers: [registry],
  });

  return {
    alertsReceived: (source: string, n: number) => alertsReceived.inc({ source }, n),
    outboxResult: (kind: string, outcome: 'done' | 'retry' | 'failed', ms: number) => {
      deliveries.inc({ kind, outcome });
      deliverySeconds.observe({ kind }, ms / 1000);
    },
    slackCall: (method: string, outcome: 'ok' | 'error' | 'ratelimited', ms: number) => {
      slackCalls.inc({ method, outcome });
      slackSeconds.observe({ method }, ms / 1000);
    },
    pagerdutyCall: (call: string, outcome: string, ms: number) => {
      const operation = operationOf(call);
      pagerCalls.inc({ operation, outcome });
      pagerSeconds.observe({ operation }, ms / 1000);
    },
  };
}

export type Telemetry = ReturnType<typeof createTelemetry>;

/**
 * `get /incidents/PABC123/notes` → `get /incidents/:id/notes`: one label value per endpoint,
 * not one per PagerDuty object (label cardinality).
 */
export const operationOf = (call: string): string =>
  call.replace(/\?.*$/, '').replace(/\/[A-Z0-9]{5,}(?=\/|$)/g, '/:id');

/** `GET /metrics`, open like /healthz: Prometheus scrapes it from inside the network. */
export const metricsRoutes = (registry: Registry): Route[] => [
  {
    method: 'GET',
    path: '/metrics',
    handler: async (_req, res) => {
      sendText(res, 200, await registry.metrics(), registry.contentType);
    },
  },
];
