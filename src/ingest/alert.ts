import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AlertSource, AlertStatus } from '../domain/incident.js';

/** The single shape every alert source maps to. */
export interface NormalizedAlert {
  source: AlertSource;
  /** Identity of the alert within its source (Alertmanager fingerprint, generic dedupeKey). */
  key: string;
  /** Alerts sharing a group key belong to one incident while it is open. */
  groupKey: string | null;
  status: AlertStatus;
  title: string;
  description: string | null;
  /** The service name as the sender wrote it; the core maps aliases. */
  service: string | null;
  environment: string | null;
  severityLabel: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  url: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  /**
   * Alerts of this alert's group left out of the notification that carried it (Alertmanager's
   * max_alerts, or firebreak's own size limit); set by senders that can be cut.
   */
  cut?: number;
}

// Alertmanager and Grafana write this for "not ended yet".
const ZERO_TIME = /^0001-01-01T/;

/** RFC 3339 time, or null for Alertmanager's zero time, a missing or an unparseable value. */
export const optionalTime = z
  .string()
  .nullish()
  .transform((v) => {
    if (!v || ZERO_TIME.test(v)) return null;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  });

/** Label and annotation maps; non-string values (Grafana sometimes sends numbers) become strings. */
export const stringMap = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .nullish()
  .transform((m) =>
    Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)])),
  );

const pick = (map: Record<string, string>, keys: readonly string[]): string | null => {
  for (const key of keys) {
    const value = map[key]?.trim();
    if (value) return value;
  }
  return null;
};

export const serviceOf = (labels: Record<string, string>) =>
  pick(labels, ['service', 'app', 'application', 'app_kubernetes_io_name']);
export const environmentOf = (labels: Record<string, string>) =>
  pick(labels, ['environment', 'env']);
export const severityOf = (labels: Record<string, string>) =>
  pick(labels, ['severity', 'priority']);
export const titleOf = (labels: Record<string, string>, annotations: Record<string, string>) =>
  pick(annotations, ['summary', 'title']) ?? pick(labels, ['alertname']) ?? 'Unnamed alert';
export const descriptionOf = (annotations: Record<string, string>) =>
  pick(annotations, ['description', 'message']);

/** Alertmanager's own notion of identity when a sender leaves the fingerprint out: the label set. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
  return createHash('sha256').update(sorted).digest('hex').slice(0, 16);
}
