import type { IncidentFact } from '../domain/facts.js';
import { SEVERITIES, type Severity } from '../domain/incident.js';
import { incidentDurations } from './durations.js';
import { type Summary, summarize } from './summary.js';

export interface SeverityStats {
  severity: Severity | 'all';
  incidents: number;
  open: number;
  /** Mean and median time to acknowledge, over acknowledged incidents. */
  mtta: Summary;
  /** Mean and median time to resolve, over resolved incidents. */
  mttr: Summary;
}

export interface IncidentStats {
  since: Date;
  until: Date;
  /** One row per severity that had incidents, worst first, then `all`. */
  rows: SeverityStats[];
}

function statsOf(severity: Severity | 'all', facts: readonly IncidentFact[]): SeverityStats {
  const durations = facts.map(incidentDurations);
  return {
    severity,
    incidents: facts.length,
    open: facts.filter((f) => !f.resolvedAt).length,
    mtta: summarize(durations.flatMap((d) => (d.toAcknowledge === null ? [] : [d.toAcknowledge]))),
    mttr: summarize(durations.flatMap((d) => (d.toResolve === null ? [] : [d.toResolve]))),
  };
}

/** MTTA and MTTR per severity over incidents detected in [since, until). */
export function incidentStats(
  facts: readonly IncidentFact[],
  window: { since: Date; until: Date },
): IncidentStats {
  const inWindow = facts.filter((f) => {
    const t = (f.detectedAt ?? f.declaredAt).getTime();
    return t >= window.since.getTime() && t < window.until.getTime();
  });
  const rows = SEVERITIES.flatMap((severity) => {
    const of = inWindow.filter((f) => f.severity === severity);
    return of.length > 0 ? [statsOf(severity, of)] : [];
  });
  rows.push(statsOf('all', inWindow));
  return { since: window.since, until: window.until, rows };
}
