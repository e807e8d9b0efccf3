import { z } from 'zod';
import { type NormalizedAlert, optionalTime, stringMap } from './alert.js';

const text = (max: number) => z.string().trim().min(1).max(max);

/** The documented generic alert (README "Generic alert JSON"). Unknown fields are ignored. */
export const GenericAlert = z.object({
  dedupeKey: text(255),
  group: text(255).nullish(),
  status: z.enum(['firing', 'resolved']).default('firing'),
  title: text(500),
  service: text(200).nullish(),
  environment: text(100).nullish(),
  severity: text(50).nullish(),
  description: z.string().max(10_000).nullish(),
  labels: stringMap,
  annotations: stringMap,
  url: z.url().nullish(),
  startsAt: optionalTime,
  endsAt: optionalTime,
});

const GenericBatch = z.object({ alerts: z.array(GenericAlert).min(1).max(5000) });

/** One alert object, or `{ "alerts": [ … ] }`. */
export function genericToAlerts(body: unknown): NormalizedAlert[] {
  const batch =
    body !== null && typeof body === 'object' && 'alerts' in body
      ? GenericBatch.parse(body).alerts
      : [GenericAlert.parse(body)];
  return batch.map((a) => ({
    source: 'generic',
    key: a.dedupeKey,
    groupKey: a.group ? `generic:${a.group}` : null,
    status: a.status,
    title: a.title,
    description: a.description ?? null,
    service: a.service ?? null,
    environment: a.environment ?? null,
    severityLabel: a.severity ?? null,
    labels: a.labels,
    annotations: a.annotations,
    url: a.url ?? null,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
  }));
}
