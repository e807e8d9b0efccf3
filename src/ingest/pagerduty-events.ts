/** A PagerDuty user, service, policy or priority as a webhook names it. */
export interface PagerDutyRef {
  id: string;
  name: string | null;
}

/** The incident a v3 webhook describes (its `data` for incident.* events). */
export interface PagerDutyIncident {
  id: string;
  number: number | null;
  title: string;
  status: string;
  htmlUrl: string | null;
  /** Newer payloads carry it; it is the dedup key of Events API incidents. */
  incidentKey: string | null;
  service: PagerDutyRef;
  escalationPolicy: PagerDutyRef | null;
  assignees: PagerDutyRef[];
  priority: PagerDutyRef | null;
  urgency: 'high' | 'low' | null;
}

/** One PagerDuty v3 webhook event, parsed by src/ingest/pagerduty.ts. */
export interface PagerDutyEvent {
  id: string;
  /** `incident.acknowledged`, …; kept as a string because PagerDuty adds types over time. */
  type: string;
  /** When it happened in PagerDuty (not when we received it): MTTA is measured from this. */
  occurredAt: Date;
  /** A user for people's actions; null or a non-user for integrations and timeouts. */
  agent: (PagerDutyRef & { isUser: boolean }) | null;
  /** The PagerDuty incident the event is about, when it is about one. */
  incidentId: string | null;
  /** Full incident data (incident.* events other than annotations). */
  incident: PagerDutyIncident | null;
  /** The note's text for incident.annotated. */
  note: string | null;
}
