/**
 * What the paging core needs from PagerDuty and from the chat platform's user directory, in its
 * own words. Implemented by src/pagerduty.ts and src/slack/directory.ts. Every method may be
 * retried by the outbox, so each must be safe to repeat; failures are thrown as DeliveryError
 * (retryable unless `permanent`).
 */

export type Urgency = 'high' | 'low';

export interface PageRequest {
  /** The PagerDuty service the incident is opened on. */
  serviceId: string;
  /** Overrides the service's own escalation policy when set. */
  escalationPolicyId: string | null;
  title: string;
  urgency: Urgency;
  /** PagerDuty's incident_key: while an incident with this key is open, no second one is made. */
  incidentKey: string;
  details: string;
}

export interface PagedIncident {
  id: string;
  htmlUrl: string | null;
  /** PagerDuty already had an open incident with the same key (a retry, or a second click). */
  existing: boolean;
  /** Names of the people PagerDuty assigned it to. */
  assignees: string[];
}

export interface PagerUser {
  id: string;
  name: string;
  email: string | null;
}

export type EventSeverity = 'critical' | 'error' | 'warning' | 'info';

/** One Events API v2 event (for services routed by integration key instead of REST). */
export interface PagerEvent {
  routingKey: string;
  action: 'trigger' | 'acknowledge' | 'resolve';
  dedupKey: string;
  summary: string;
  severity: EventSeverity;
  source: string;
  link: string | null;
  details: Record<string, string>;
}

export interface Pager {
  /** Opens an incident; when one with the same incident key is open, returns that one. */
  createIncident(request: PageRequest): Promise<PagedIncident>;
  /** Acknowledges; an incident that is already acknowledged or resolved is fine. */
  acknowledge(pdIncidentId: string): Promise<void>;
  /** Resolves; an incident that is already resolved is fine. */
  resolve(pdIncidentId: string, resolution: string): Promise<void>;
  /** Who is on call at the first level of an escalation policy; null when nobody is. */
  onCall(escalationPolicyId: string): Promise<PagerUser | null>;
  user(userId: string): Promise<PagerUser | null>;
  sendEvent(event: PagerEvent): Promise<void>;
}

export interface People {
  /** The chat user with this e-mail address, or null when there is none. */
  findByEmail(email: string): Promise<string | null>;
}
