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

/** Alerts kept from one notification; the rest are counted as cut (a storm still opens its incident). */
export const MAX_ALERTS_PER_NOTIFICATION = 10_000;

const Envelope = z.object({
  version: z.string().optional(),
  groupKey: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  commonAnnotations: stringMap,
  commonLabels: stringMap,
  // How many alerts Alertmanager itself left out because of the receiver's max_alerts.
  truncatedAlerts: z.number().int().min(0).optional(),
});

export const AlertmanagerPayload = Envelope.extend({
  alerts: z.array(Alert).max(MAX_ALERTS_PER_NOTIFICATION),
});

/**
 * Alertmanager webhook (version 4) → normalized alerts. Throws ZodError on a bad body.
 * `cutByUs`: alerts the HTTP edge already left out of an oversized body. Alerts above
 * MAX_ALERTS_PER_NOTIFICATION are left out here. Every alert carries the total cut when
 * anything was cut or Alertmanager reported its own count (so a later uncut notification
 * clears it); with no alert left, one stands for the group, from its common labels.
 */
export function alertmanagerToAlerts(body: unknown, cutByUs = 0): NormalizedAlert[] {
  const all = z.object({ alerts: z.array(z.unknown()) }).parse(body).alerts;
  const payload = AlertmanagerPayload.parse({
    ...(body as object),
    alerts: all.slice(0, MAX_ALERTS_PER_NOTIFICATION),
  });
  const cutHere = Math.max(0, all.length - MAX_ALERTS_PER_NOTIFICATION);
  const cut = (payload.truncatedAlerts ?? 0) + cutByUs + cutHere;
  const reportsCut = cut > 0 || payload.truncatedAlerts !== undefined;
  if (payload.alerts.length === 0) {
    if (cut === 0)
      throw new z.ZodError([{ code: 'custom', path: ['alerts'], message: 'no alerts', input: [] }]);
    payload.alerts.push({
      status: payload.status,
      labels: payload.commonLabels,
      annotations: payload.commonAnnotations,
      startsAt: null,
      endsAt: null,
      generatorURL: null,
      fingerprint: null,
    });
  }
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
    ...(reportsCut ? { cut } : {}),
  }));
}
