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
  // Older senders (and prometheus-msteams' sample) leave out per-alert status and fingerprint.
  status: z.enum(['firing', 'resolved']).optional(),
  labels: stringMap,
  annotations: stringMap,
  startsAt: optionalTime,
  endsAt: optionalTime,
  generatorURL: z.string().nullish(),
  fingerprint: z.string().min(1).nullish(),
});

export const AlertmanagerPayload = z.object({
  version: z.string().optional(),
  groupKey: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  commonAnnotations: stringMap,
  commonLabels: stringMap,
  alerts: z.array(Alert).min(1).max(5000),
});

/** Alertmanager webhook (version 4) → normalized alerts. Throws ZodError on a bad body. */
export function alertmanagerToAlerts(body: unknown): NormalizedAlert[] {
  const payload = AlertmanagerPayload.parse(body);
  return payload.alerts.map((a) => ({
    source: 'alertmanager',
    key: a.fingerprint ?? labelsFingerprint(a.labels),
    groupKey: `alertmanager:${payload.groupKey}`,
    status: a.status ?? payload.status,
    title: titleOf(a.labels, a.annotations),
    description: descriptionOf(a.annotations),
    service: serviceOf(a.labels),
    environment: environmentOf(a.labels),
    severityLabel: severityOf(a.labels),
    labels: a.labels,
    annotations: a.annotations,
    url: a.generatorURL || null,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
  }));
}
