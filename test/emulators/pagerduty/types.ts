/**
 * Public types of the PagerDuty emulator. REST shapes follow the PagerDuty
 * OpenAPI examples in fixtures/pagerduty/rest-api; webhook shapes follow
 * fixtures/pagerduty/webhook-v3.
 */

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type Urgency = 'high' | 'low';

/** A PagerDuty "reference" object (user_reference, service_reference, …). */
export interface PdReference {
  id: string;
  type: string;
  summary: string;
  self: string;
  html_url?: string | null;
}

export interface PdUser {
  id: string;
  type: 'user';
  summary: string;
  self: string;
  html_url: string;
  name: string;
  email: string;
  time_zone: string;
  color: string;
  role: string;
  avatar_url: string;
  description: string | null;
  invitation_sent: boolean;
  job_title: string | null;
  teams: PdReference[];
  contact_methods: PdReference[];
  notification_rules: PdReference[];
}

export interface PdService {
  id: string;
  type: 'service';
  summary: string;
  self: string;
  html_url: string;
  name: string;
  description: string | null;
  status: 'active' | 'disabled' | 'maintenance';
  created_at: string;
  alert_creation: 'create_alerts_and_incidents';
  acknowledgement_timeout: number | null;
  auto_resolve_timeout: number | null;
  escalation_policy: PdReference;
  integrations: PdReference[];
  teams: PdReference[];
}

export interface PdEscalationRule {
  id: string;
  escalation_delay_in_minutes: number;
  targets: PdReference[];
}

export interface PdEscalationPolicy {
  id: string;
  type: 'escalation_policy';
  summary: string;
  self: string;
  html_url: string;
  name: string;
  description: string | null;
  escalation_rules: PdEscalationRule[];
  services: PdReference[];
  num_loops: number;
  teams: PdReference[];
  on_call_handoff_notifications: 'if_has_services' | 'always';
}

export interface PdSchedule {
  id: string;
  type: 'schedule';
  summary: string;
  self: string;
  html_url: string;
  name: string;
  time_zone: string;
}

export interface PdPriority {
  id: string;
  type: 'priority';
  summary: string;
  self: string;
  name: string;
  description: string;
}

export interface PdOnCall {
  escalation_policy: PdReference | PdEscalationPolicy;
  escalation_level: number;
  schedule: PdReference | PdSchedule | null;
  user: PdReference | PdUser;
  start: string | null;
  end: string | null;
}

export interface PdAssignment {
  at: string;
  assignee: PdReference;
}

export interface PdAcknowledgement {
  at: string;
  acknowledger: PdReference;
}

export interface PdIncident {
  id: string;
  type: 'incident';
  summary: string;
  self: string;
  html_url: string;
  incident_number: number;
  title: string;
  created_at: string;
  updated_at: string;
  status: IncidentStatus;
  incident_key: string | null;
  service: PdReference;
  priority: PdReference | null;
  assigned_via: 'escalation_policy' | 'direct_assignment';
  assignments: PdAssignment[];
  acknowledgements: PdAcknowledgement[];
  resolved_at: string | null;
  last_status_change_at: string;
  last_status_change_by: PdReference | null;
  first_trigger_log_entry: PdReference;
  alert_counts: { all: number; triggered: number; resolved: number };
  pending_actions: unknown[];
  is_mergeable: boolean;
  incident_type: { name: string };
  escalation_policy: PdReference;
  teams: PdReference[];
  urgency: Urgency;
  resolve_reason: null;
  conference_bridge: { conference_number: string | null; conference_url: string | null } | null;
}

export interface PdNote {
  id: string;
  user: PdReference | null;
  channel: { summary: string };
  content: string;
  created_at: string;
  updated_at: string;
}

/** PagerDuty REST error body (developer-docs REST-API/14-Errors.md). */
export interface PdErrorBody {
  error: { message: string; code: number; errors?: string[] };
}

// ---- seeds -------------------------------------------------------------

export interface SeedUser {
  id: string;
  name: string;
  email: string;
  summary?: string;
  html_url?: string;
  time_zone?: string;
  role?: string;
  job_title?: string;
}

export interface SeedService {
  id: string;
  name: string;
  escalationPolicyId: string;
  /** Events API v2 integration key (32 chars) routed to this service. */
  routingKey?: string;
  /** Urgency for incidents that do not specify one (PagerDuty default: high). */
  urgency?: Urgency;
}

export interface SeedEscalationPolicy {
  id: string;
  name: string;
  numLoops?: number;
}

export interface SeedSchedule {
  id: string;
  name: string;
  timeZone?: string;
}

export interface SeedPriority {
  id: string;
  name: string;
  description?: string;
}

export interface SeedOnCall {
  escalationPolicyId: string;
  userId: string;
  level?: number;
  scheduleId?: string;
}

/** A token the emulator accepts; a user token acts as that user (no From header needed). */
export type SeedToken = string | { token: string; userId: string };

// ---- options and records ----------------------------------------------

export interface WebhookTargetOptions {
  url: string;
  /** Signing secrets; one `v1=` signature per secret. */
  secrets?: string[];
  subscriptionId?: string;
  /** Extra attempts after a 5xx/429/network error/timeout (PagerDuty retries; other 4xx drop). */
  retries?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
  /** Add the fields newer payloads carry (incident_key, created_at, reopened_at, incident_type). */
  extended?: boolean;
}

export interface PagerDutyEmulatorOptions {
  port?: number;
  tokens?: SeedToken[];
  users?: SeedUser[];
  services?: SeedService[];
  escalationPolicies?: SeedEscalationPolicy[];
  schedules?: SeedSchedule[];
  priorities?: SeedPriority[];
  onCalls?: SeedOnCall[];
  /** Account subdomain for html_url links (https://<subdomain>.pagerduty.com). */
  subdomain?: string;
  now?: () => Date;
  /** When set, REST/Events state changes are delivered as signed v3 webhooks. */
  webhookTarget?: string | WebhookTargetOptions;
}

export type LogEntryType =
  | 'trigger'
  | 'acknowledge'
  | 'unacknowledge'
  | 'resolve'
  | 'reassign'
  | 'escalate'
  | 'priority'
  | 'annotate';

export interface PagerDutyLogEntry {
  seq: number;
  at: string;
  type: LogEntryType;
  incidentId: string;
  via: 'rest' | 'events' | 'helper';
  agent: PdReference | null;
  details: Record<string, unknown>;
}

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw string when it is not JSON, or undefined when empty. */
  body: unknown;
  rawBody: string;
  /** 0 while pending or when the connection was dropped. */
  status: number;
  fault?: string;
}

export interface RecordedEvent {
  at: string;
  kind: 'alert' | 'change';
  status: number;
  routing_key: string | null;
  event_action: string | null;
  dedup_key: string | null;
  body: unknown;
  incidentId: string | null;
  /** True when a trigger matched an open alert and created nothing. */
  deduplicated: boolean;
  errors: string[];
}

export type PagerDutyFault =
  | { status: 429 | 500 | 502 | 503; retryAfter?: number; body?: unknown }
  | { delayMs: number }
  | { reset: true };

/** `'*'`, or `'METHOD /path'` where `:param` matches one segment and `*` anything. */
export type FaultMatcher = string | ((request: { method: string; path: string }) => boolean);

export type WebhookEventType =
  | 'incident.triggered'
  | 'incident.acknowledged'
  | 'incident.unacknowledged'
  | 'incident.escalated'
  | 'incident.reassigned'
  | 'incident.resolved'
  | 'incident.priority_updated'
  | 'incident.annotated'
  | 'service.updated';

export interface WebhookEnvelope {
  event: {
    id: string;
    event_type: WebhookEventType;
    resource_type: 'incident' | 'service';
    occurred_at: string;
    agent: PdReference | null;
    client: { name: string } | null;
    data: Record<string, unknown>;
  };
}

export interface WebhookDeliveryAttempt {
  status: number;
  error?: string;
}

export interface WebhookDelivery {
  webhookId: string;
  eventType: WebhookEventType;
  rawBody: string;
  envelope: WebhookEnvelope;
  attempts: WebhookDeliveryAttempt[];
  delivered: boolean;
}

export interface IncidentInput {
  title: string;
  serviceId: string;
  urgency?: Urgency;
  incidentKey?: string;
  body?: string;
  escalationPolicyId?: string;
  priorityId?: string;
  /** Direct assignment instead of the escalation policy's on-call users. */
  assigneeIds?: string[];
}

export interface IncidentChange {
  status?: 'acknowledged' | 'resolved';
  resolution?: string;
  assigneeIds?: string[];
  escalationLevel?: number;
  /** `null` clears the priority. */
  priorityId?: string | null;
  title?: string;
  urgency?: Urgency;
}
