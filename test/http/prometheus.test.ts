import { Registry } from 'prom-client';
import { afterEach, expect, test } from 'vitest';
import { createTelemetry, operationOf } from '../../src/http/prometheus.js';
import { testDb } from '../support/db.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

test('PagerDuty operations are labelled per endpoint, not per PagerDuty object', () => {
  expect(operationOf('get /incidents/PABC123/notes')).toBe('get /incidents/:id/notes');
  expect(operationOf('put /incidents/Q1XYZ9AB')).toBe('put /incidents/:id');
  expect(operationOf('get /oncalls?escalation_policy_ids[]=P1')).toBe('get /oncalls');
  expect(operationOf('post /incidents')).toBe('post /incidents');
});

test('each app has its own registry: two telemetries in one process do not share counters', async () => {
  const opened = testDb();
  close = opened.close;
  const a = new Registry();
  const b = new Registry();
  const ta = createTelemetry(a, { store: opened.store, now: () => new Date() });
  createTelemetry(b, { store: opened.store, now: () => new Date() });
  ta.pagerdutyCall('get /incidents/PABC123', 'ok', 12);
  ta.alertsReceived('grafana', 3);
  expect(await a.metrics()).toContain(
    'firebreak_pagerduty_calls_total{operation="get /incidents/:id",outcome="ok"} 1',
  );
  expect(await a.metrics()).toContain('firebreak_alerts_received_total{source="grafana"} 3');
  expect(await b.metrics()).not.toContain('source="grafana"');
});
