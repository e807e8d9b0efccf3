export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATES = ['triage', 'investigating', 'identified', 'monitoring', 'resolved'] as const;
export type State = (typeof STATES)[number];
export type OpenState = Exclude<State, 'resolved'>;

export const INCIDENT_SOURCES = ['alert', 'declared', 'pagerduty'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const ALERT_SOURCES = ['alertmanager', 'grafana', 'generic', 'pagerduty'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The moments of an incident, as stored (UTC); each is set once, in order. */
export interface Milestones {
  impactStartedAt: Date | null;
  detectedAt: Date | null;
  declaredAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
}

export interface Incident extends Milestones {
  id: number;
  title: string;
  description: string | null;
  severity: Severity;
  state: State;
  ownerId: string | null;
  services: string[];
  environment: string;
  source: IncidentSource;
  channelId: string | null;
  channelName: string | null;
  resolution: string | null;
  createdBy: string | null;
  /** Only the members of its (private) channel see it; it is never announced. */
  private: boolean;
}

export const incidentRef = (id: number): string => `INC-${id}`;

/**
 * How the incident is named where anyone may read it (a freeze reason, the freeze gate): a
 * private incident's title never goes there.
 */
export const publicName = (incident: Pick<Incident, 'id' | 'title' | 'private'>): string =>
  incident.private
    ? `${incidentRef(incident.id)} (private incident)`
    : `${incidentRef(incident.id)}: ${incident.title}`;

export const isOpen = (state: State): state is OpenState => state !== 'resolved';

/** sev1 is the most severe; a smaller rank is worse. */
export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

export const worseSeverity = (a: Severity, b: Severity): Severity =>
  severityRank(a) <= severityRank(b) ? a : b;

/**
 * Allowed state changes. Triage is only ever the first state; the working states may move
 * back and forth (a fix that does not hold sends `monitoring` back to `investigating`);
 * leaving `resolved` is a reopen, which needs a reason and goes through `reopen()`.
 */
export function canMove(from: State, to: State): boolean {
  if (from === to) return false;
  switch (from) {
    case 'triage':
      return true;
    case 'investigating':
    case 'identified':
    case 'monitoring':
      return to !== 'triage';
    case 'resolved':
      return false;
    default:
      return from satisfies never;
  }
}

export const DEFAULT_SEVERITY_LABELS: Readonly<Record<string, Severity>> = {
  critical: 'sev1',
  page: 'sev1',
  error: 'sev2',
  high: 'sev2',
  major: 'sev2',
  warning: 'sev3',
  warn: 'sev3',
  medium: 'sev3',
  minor: 'sev3',
};

/** Severity from an alert's label (critical→sev1, error|high→sev2, warning→sev3, other→sev4). */
export function severityFromLabel(
  label: string | null | undefined,
  mapping: Readonly<Record<string, Severity>> = DEFAULT_SEVERITY_LABELS,
): Severity {
  if (!label) return 'sev4';
  const key = label.trim().toLowerCase();
  const direct = mapping[key];
  if (direct) return direct;
  const sevMatch = /^(?:sev|p)([1-4])$/.exec(key);
  if (sevMatch) return `sev${sevMatch[1]}` as Severity;
  return 'sev4';
}

const MAX_CHANNEL_NAME = 80;

/**
 * Slack channel names: lowercase letters, digits, `-` and `_`, at most 80 characters.
 * `inc-<n>-<slug>`; the number keeps it unique, `suffix` is added after a `name_taken`.
 */
export function channelName(prefix: string, id: number, title: string, suffix = 0): string {
  const clean = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[-_]+|[-_]+$/g, '');
  const head = `${clean(prefix) || 'inc'}-${id}`;
  const tail = suffix > 0 ? `-${suffix + 1}` : '';
  const room = MAX_CHANNEL_NAME - head.length - tail.length - 1;
  const slug = clean(title)
    .slice(0, Math.max(0, room))
    .replace(/[-_]+$/, '');
  return slug ? `${head}-${slug}${tail}` : `${head}${tail}`;
}
