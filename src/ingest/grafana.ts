import { z } from 'zod';
import {
  descriptionOf,
  environmentOf,
  labelsFingerprint,
  type NormalizedAlert,
  optionalTime,
  serviceOf,
  severityOf,
  stringMap,
  titleOf,
} from './alert.js';

const Alert = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  labels: stringMap,
  annotations: stringMap,
  startsAt: optionalTime,
  endsAt: optionalTime,
  generatorURL: z.string().nullish(),
  fingerprint: z.string().min(1).nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
});

// Grafana's unified alerting webhook: Alertmanager's shape plus orgId, title, state, message.
export const GrafanaPayload = z.object({
  groupKey: z.string().min(1).nullish(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().nullish(),
  title: z.string().nullish(),
  alerts: z.array(Alert).min(1).max(5000),
});

export function grafanaToAlerts(body: unknown): NormalizedAlert[] {
  const payload = GrafanaPayload.parse(body);
  const org = payload.orgId ?? 1;
  return payload.alerts.map((a) => {
    const key = a.fingerprint ?? labelsFingerprint(a.labels);
    return {
      source: 'grafana',
      key: `${org}:${key}`,
      // Without a group key each alert is its own group.
      groupKey: `grafana:${org}:${payload.groupKey ?? key}`,
      status: a.status ?? payload.status,
      title: titleOf(a.labels, a.annotations),
      description: descriptionOf(a.annotations),
      service: serviceOf(a.labels),
      environment: environmentOf(a.labels),
      severityLabel: severityOf(a.labels),
      labels: a.labels,
      annotations: a.annotations,
      url: a.panelURL || a.dashboardURL || a.generatorURL || null,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
    };
  });
}
