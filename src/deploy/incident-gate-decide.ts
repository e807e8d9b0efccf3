import { type Incident, isOpen, type Severity, severityRank } from '../domain/incident.js';

// The incident-aware gate (deploys.gateBlocksOnIncident), the pure part: which open incidents
// stop a deploy of a service to an environment, and whether `fix=INC-n` lets it through.

export type GateIncident = Pick<
  Incident,
  'id' | 'title' | 'severity' | 'state' | 'services' | 'environment' | 'private'
>;

export interface IncidentTarget {
  service: string;
  environment: string;
}

/** Open incidents of `threshold` or worse on the service and environment, worst first. */
export function blockingIncidents<T extends GateIncident>(
  incidents: readonly T[],
  target: IncidentTarget,
  threshold: Severity,
): T[] {
  const service = target.service.toLowerCase();
  const environment = target.environment.toLowerCase();
  return incidents
    .filter(
      (i) =>
        isOpen(i.state) &&
        severityRank(i.severity) <= severityRank(threshold) &&
        i.environment.toLowerCase() === environment &&
        i.services.some((s) => s.toLowerCase() === service),
    )
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id - b.id);
}

export type FixVerdict =
  /** The named incident blocks this deploy and no other does: it passes as the fix. */
  | { kind: 'pass'; incidentId: number }
  /** No pass: the reason says why (not open, does not block, others still block). */
  | { kind: 'refused'; reason: string };

/** What `fix=INC-n` does, given every incident that blocks the deploy. */
export function decideFix(
  fixId: number,
  named: GateIncident | null,
  blocking: readonly GateIncident[],
): FixVerdict {
  const ref = `INC-${fixId}`;
  if (!named) return { kind: 'refused', reason: `${ref} does not exist` };
  if (!isOpen(named.state)) return { kind: 'refused', reason: `${ref} is resolved` };
  if (!blocking.some((i) => i.id === fixId))
    return { kind: 'refused', reason: `${ref} does not block this deploy` };
  const others = blocking.filter((i) => i.id !== fixId);
  if (others.length > 0)
    return {
      kind: 'refused',
      reason: `${others.map((i) => `INC-${i.id}`).join(', ')} still block${others.length === 1 ? 's' : ''} this deploy`,
    };
  return { kind: 'pass', incidentId: fixId };
}
