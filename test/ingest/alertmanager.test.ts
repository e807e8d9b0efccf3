import { expect, test } from 'vitest';
import { ZodError } from 'zod';
import { alertmanagerToAlerts } from '../../src/ingest/alertmanager.js';
import { fixture } from '../support/fixtures.js';

test('a real Alertmanager notification becomes one normalized alert per alert, sharing the group key', () => {
  const alerts = alertmanagerToAlerts(fixture('alertmanager/zulip.alert.json'));
  expect(alerts).toHaveLength(2);
  expect(alerts.map((a) => a.key)).toEqual(['a1bc48475b20e73d', 'c2ea85182f28cbd9']);
  expect(new Set(alerts.map((a) => a.groupKey))).toEqual(new Set(['alertmanager:{}/{}:{}']));
  const [first] = alerts;
  expect(first).toMatchObject({
    source: 'alertmanager',
    status: 'firing',
    title: 'High CPU core temperature',
    description: 'CPU core temperature is 34.75C',
    severityLabel: 'critical',
    endsAt: null,
  });
  expect(first?.startsAt?.toISOString()).toBe('2020-02-06T00:17:58.432Z');
  expect(first?.url).toMatch(/^http:\/\/cobalt:9090\/graph/);
});

test('a sender without per-alert status or fingerprint (prometheus-msteams sample) still parses', () => {
  const alerts = alertmanagerToAlerts(
    fixture('alertmanager/prometheus-msteams.prom_post_request.json'),
  );
  expect(alerts).toHaveLength(1);
  expect(alerts[0]?.status).toBe('firing');
  expect(alerts[0]?.key).toMatch(/^[0-9a-f]{16}$/);
  // The fallback identity is the label set: the same labels give the same key.
  expect(
    alertmanagerToAlerts(fixture('alertmanager/prometheus-msteams.prom_post_request.json'))[0]?.key,
  ).toBe(alerts[0]?.key);
  expect(alerts[0]?.severityLabel).toBe('warning');
  expect(alerts[0]?.title).toBe('Server High Memory usage');
});

test('service and environment come from the labels', () => {
  const alerts = alertmanagerToAlerts({
    groupKey: 'g',
    status: 'firing',
    alerts: [
      {
        labels: { alertname: 'X', app: 'checkout', env: 'staging' },
        annotations: {},
        fingerprint: 'f',
      },
    ],
  });
  expect(alerts[0]).toMatchObject({ service: 'checkout', environment: 'staging', title: 'X' });
});

test.each([
  ['not an object', 'hello'],
  ['no alerts', { groupKey: 'g', status: 'firing', alerts: [] }],
  ['no group key', { status: 'firing', alerts: [{ labels: {} }] }],
  ['bad status', { groupKey: 'g', status: 'burning', alerts: [{ labels: {} }] }],
])('a body with %s is rejected with the problems listed', (_name, body) => {
  expect(() => alertmanagerToAlerts(body)).toThrow(ZodError);
});
