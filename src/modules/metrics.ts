import { Registry } from 'prom-client';
import { createTelemetry, metricsRoutes } from '../http/prometheus.js';
import type { Base, Module } from './module.js';

/** Prometheus metrics: the hooks other parts report to, and GET /metrics. */
export function metricsModule({ store, now }: Pick<Base, 'store' | 'now'>) {
  const registry = new Registry();
  const telemetry = createTelemetry(registry, { store, now });
  return {
    services: { telemetry },
    effects: [],
    listeners: [],
    routes: metricsRoutes(registry),
    slack: {},
    jobs: [],
  } satisfies Module<unknown, unknown>;
}
