import type { Milestones } from '../domain/incident.js';

/**
 * The durations the postmortem and /incident stats report, defined once:
 * - impact start = impactStartedAt (first alert's startsAt, or the message an incident was
 *   declared from), else detection;
 * - detection = detectedAt, else declaredAt;
 * - time to detect = detection − impact start;
 * - time to acknowledge = acknowledgedAt − detection (MTTA);
 * - time to mitigate = mitigatedAt − impact start;
 * - time to resolve = resolvedAt − impact start (MTTR: how long users were affected until the
 *   incident was over, not only how long the responders worked on it).
 * A duration is null while its milestone is missing; a negative one (clock skew between
 * senders) is clamped to zero.
 */
export interface IncidentDurations {
  impactStart: Date;
  detection: Date;
  toDetect: number | null;
  toAcknowledge: number | null;
  toMitigate: number | null;
  toResolve: number | null;
}

const between = (from: Date, to: Date | null): number | null =>
  to ? Math.max(0, to.getTime() - from.getTime()) : null;

export function incidentDurations(m: Milestones): IncidentDurations {
  const detection = m.detectedAt ?? m.declaredAt;
  const impactStart =
    m.impactStartedAt && m.impactStartedAt.getTime() <= detection.getTime()
      ? m.impactStartedAt
      : detection;
  return {
    impactStart,
    detection,
    toDetect: between(impactStart, detection),
    toAcknowledge: between(detection, m.acknowledgedAt),
    toMitigate: between(impactStart, m.mitigatedAt),
    toResolve: between(impactStart, m.resolvedAt),
  };
}
