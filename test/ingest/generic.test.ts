import { expect, test } from 'vitest';
import { ZodError } from 'zod';
import { genericToAlerts } from '../../src/ingest/generic.js';

const one = {
  dedupeKey: 'checkout-5xx',
  group: 'checkout-errors',
  status: 'firing',
  title: 'High 5xx on checkout',
  service: 'checkout',
  environment: 'production',
  severity: 'critical',
  labels: { team: 'payments' },
  url: 'https://grafana.example.com/d/abc',
  startsAt: '2026-11-22T10:00:00Z',
  endsAt: null,
  somethingNew: { ignored: true },
};

test('one alert object, unknown fields ignored', () => {
  const [alert] = genericToAlerts(one);
  expect(alert).toMatchObject({
    source: 'generic',
    key: 'checkout-5xx',
    groupKey: 'generic:checkout-errors',
    service: 'checkout',
    severityLabel: 'critical',
    labels: { team: 'payments' },
  });
  expect(alert?.startsAt?.toISOString()).toBe('2026-11-22T10:00:00.000Z');
});

test('a batch of alerts; status defaults to firing', () => {
  const alerts = genericToAlerts({
    alerts: [
      { dedupeKey: 'a', title: 'A' },
      { ...one, status: 'resolved' },
    ],
  });
  expect(alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
  expect(alerts[0]?.groupKey).toBeNull();
});

test('missing required fields are a validation error naming them', () => {
  try {
    genericToAlerts({ title: 'no key' });
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues.map((i) => i.path.join('.'))).toContain('dedupeKey');
  }
  expect(() => genericToAlerts({ alerts: [{ dedupeKey: 'x' }] })).toThrow(ZodError);
  expect(() => genericToAlerts({ dedupeKey: 'x', title: 'y', url: 'not a url' })).toThrow(ZodError);
});
