import { expect, test } from 'vitest';
import { grafanaToAlerts } from '../../src/ingest/grafana.js';
import { fixture } from '../support/fixtures.js';

test("Grafana's documented webhook example: two alerts in one group, org-scoped keys", () => {
  const alerts = grafanaToAlerts(fixture('grafana/grafana-docs.webhook-notifier.example.json'));
  expect(alerts.map((a) => a.key)).toEqual(['1:c6eadffa33fcdf37', '1:bc97ff14869b13e3']);
  expect(alerts.every((a) => a.groupKey === 'grafana:1:{}:{}')).toBe(true);
  expect(alerts[0]?.title).toBe('This alert was triggered for zone us-1');
  expect(alerts[0]?.startsAt?.toISOString()).toBe('2021-10-12T07:51:03.157Z');
});

test('Grafana 11 payload with values and a panel URL', () => {
  const [alert] = grafanaToAlerts(fixture('grafana/zulip.alert_values_v11.json'));
  expect(alert?.url).toBe(
    'https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1&viewPanel=2',
  );
  expect(alert?.title).toBe('High memory usage');
});

test('a resolved Grafana notification carries the resolved status and end time', () => {
  const alerts = grafanaToAlerts(fixture('grafana/zulip.alert-9-resolved.json'));
  expect(alerts.every((a) => a.status === 'resolved')).toBe(true);
  expect(alerts[0]?.endsAt).toBeInstanceOf(Date);
});

test('every alert of a multi-alert notification is kept', () => {
  expect(grafanaToAlerts(fixture('grafana/zulip.alert-9-multiple.json'))).toHaveLength(3);
});
