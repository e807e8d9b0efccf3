import type { Severity } from '../domain/incident.js';
import type { EventSeverity, Urgency } from './ports.js';

/** How one of our services is known to PagerDuty (config `services.<name>.pagerduty`). */
export interface PagerServiceMapping {
  readonly serviceId?: string;
  readonly escalationPolicyId?: string;
  /** Events API v2 integration key, for teams that route by key instead of REST. */
  readonly routingKey?: string;
}

export interface PagingPolicy {
  /** A REST API token is configured (PAGERDUTY_TOKEN); without it only Events API pages work. */
  readonly restEnabled: boolean;
  readonly services: Readonly<Record<string, { readonly pagerduty?: PagerServiceMapping }>>;
  readonly urgency: Readonly<Partial<Record<Severity, Urgency>>>;
  /** PagerDuty priority name ("P1") → severity. */
  readonly priorities: Readonly<Record<string, Severity>>;
  /** Resolve the incident when PagerDuty resolves its last page (off: offer a button). */
  readonly autoResolve: boolean;
}

export type PageMode = 'rest' | 'events';

export const mappingOf = (policy: PagingPolicy, service: string): PagerServiceMapping | undefined =>
  policy.services[service]?.pagerduty;

/** REST when we can (we learn the incident id and URL at once), else the Events API. */
export function pageMode(policy: PagingPolicy, service: string): PageMode | null {
  const mapping = mappingOf(policy, service);
  if (mapping?.serviceId && policy.restEnabled) return 'rest';
  if (mapping?.routingKey) return 'events';
  return null;
}

/** Services that can be paged with the current configuration. */
export const pageableServices = (policy: PagingPolicy): string[] =>
  Object.keys(policy.services).filter((s) => pageMode(policy, s) !== null);

/** Services whose PagerDuty incidents we follow (webhooks name the PagerDuty service id). */
export function serviceForPagerDutyId(policy: PagingPolicy, pdServiceId: string): string | null {
  for (const [name, entry] of Object.entries(policy.services)) {
    if (entry.pagerduty?.serviceId === pdServiceId) return name;
  }
  return null;
}

export const urgencyFor = (policy: PagingPolicy, severity: Severity): Urgency =>
  policy.urgency[severity] ?? (severity === 'sev1' || severity === 'sev2' ? 'high' : 'low');

export const EVENT_SEVERITY: Record<Severity, EventSeverity> = {
  sev1: 'critical',
  sev2: 'error',
  sev3: 'warning',
  sev4: 'info',
};

/** Severity of an incident PagerDuty opened: its priority per config, else its urgency. */
export function severityForPagerDuty(
  policy: PagingPolicy,
  priority: string | null,
  urgency: Urgency | null,
): Severity {
  const mapped = priority ? policy.priorities[priority] : undefined;
  if (mapped) return mapped;
  return urgency === 'low' ? 'sev3' : 'sev2';
}

export const OFF_HELP =
  'PagerDuty is not set up, so firebreak cannot page anyone. To enable it, set PAGERDUTY_TOKEN and ' +
  "PAGERDUTY_FROM (a PagerDuty user's e-mail) and map the service in firebreak.yaml under " +
  '`services.<name>.pagerduty.serviceId` (or `routingKey` for the Events API). The README section ' +
  '"PagerDuty" has the steps.';
