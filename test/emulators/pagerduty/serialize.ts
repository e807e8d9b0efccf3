import type {
  Actor,
  IncidentRec,
  NoteRec,
  OnCallRec,
  ServiceRec,
  State,
  UserRec,
} from './state.js';
import { isoSeconds } from './state.js';
import type {
  PdEscalationPolicy,
  PdIncident,
  PdNote,
  PdOnCall,
  PdPriority,
  PdReference,
  PdSchedule,
  PdService,
  PdUser,
} from './types.js';

// `self` points at the emulator so a client that follows links stays offline;
// `html_url` points at the (fake) web app like the real API does.

export function userRef(state: State, user: UserRec): PdReference {
  return {
    id: user.id,
    type: 'user_reference',
    summary: user.summary,
    self: `${state.apiBase}/users/${user.id}`,
    html_url: user.htmlUrl ?? `${state.webBase}/users/${user.id}`,
  };
}

/** The `agent` of a change: a user, or the Events API integration of a service. */
export function actorReference(state: State, actor: Actor): PdReference | null {
  if (actor === null) return null;
  if (actor.kind === 'user') {
    const user = state.users.get(actor.userId);
    return user ? userRef(state, user) : null;
  }
  const service = state.services.get(actor.serviceId);
  if (!service) return null;
  // Type name is a guess: no captured Events-API-triggered webhook was available.
  return {
    id: service.integrationId,
    type: 'inbound_integration_reference',
    summary: 'Events API v2',
    self: `${state.apiBase}/services/${service.id}/integrations/${service.integrationId}`,
    html_url: `${state.webBase}/services/${service.id}/integrations/${service.integrationId}`,
  };
}

function userRefById(state: State, id: string): PdReference {
  const user = state.users.get(id);
  if (user) return userRef(state, user);
  return {
    id,
    type: 'user_reference',
    summary: id,
    self: `${state.apiBase}/users/${id}`,
    html_url: `${state.webBase}/users/${id}`,
  };
}

export function toUser(state: State, user: UserRec): PdUser {
  return {
    ...userRef(state, user),
    type: 'user',
    html_url: user.htmlUrl ?? `${state.webBase}/users/${user.id}`,
    name: user.name,
    email: user.email,
    time_zone: user.timeZone,
    color: 'green',
    role: user.role,
    avatar_url: 'https://pd-static-assets.pagerduty.com/users/blank-avatar.png',
    description: null,
    invitation_sent: false,
    job_title: user.jobTitle,
    teams: [],
    contact_methods: [],
    notification_rules: [],
  };
}

export function serviceRef(state: State, service: ServiceRec): PdReference {
  return {
    id: service.id,
    type: 'service_reference',
    summary: service.name,
    self: `${state.apiBase}/services/${service.id}`,
    html_url: `${state.webBase}/service-directory/${service.id}`,
  };
}

export function toService(state: State, service: ServiceRec): PdService {
  const integrations: PdReference[] = service.routingKey
    ? [
        {
          id: service.integrationId,
          type: 'events_api_v2_inbound_integration_reference',
          summary: 'Events API v2',
          self: `${state.apiBase}/services/${service.id}/integrations/${service.integrationId}`,
          html_url: `${state.webBase}/services/${service.id}/integrations/${service.integrationId}`,
        },
      ]
    : [];
  return {
    ...serviceRef(state, service),
    type: 'service',
    html_url: `${state.webBase}/service-directory/${service.id}`,
    name: service.name,
    description: null,
    status: 'active',
    created_at: isoSeconds(service.createdAt),
    alert_creation: 'create_alerts_and_incidents',
    acknowledgement_timeout: null,
    auto_resolve_timeout: null,
    escalation_policy: escalationPolicyRef(state, service.escalationPolicyId),
    integrations,
    teams: [],
  };
}

export function escalationPolicyRef(state: State, id: string): PdReference {
  const ep = state.escalationPolicies.get(id);
  return {
    id,
    type: 'escalation_policy_reference',
    summary: ep?.name ?? id,
    self: `${state.apiBase}/escalation_policies/${id}`,
    html_url: `${state.webBase}/escalation_policies/${id}`,
  };
}

export function scheduleRef(state: State, id: string): PdReference {
  const schedule = state.schedules.get(id);
  return {
    id,
    type: 'schedule_reference',
    summary: schedule?.name ?? id,
    self: `${state.apiBase}/schedules/${id}`,
    html_url: `${state.webBase}/schedules/${id}`,
  };
}

export function toSchedule(state: State, id: string): PdSchedule {
  const schedule = state.schedules.get(id);
  return {
    ...scheduleRef(state, id),
    type: 'schedule',
    html_url: `${state.webBase}/schedules/${id}`,
    name: schedule?.name ?? id,
    time_zone: schedule?.timeZone ?? 'Etc/UTC',
  };
}

export function toEscalationPolicy(state: State, id: string): PdEscalationPolicy {
  const ep = state.escalationPolicies.get(id);
  const levels = [
    ...new Set(state.onCalls.filter((o) => o.escalationPolicyId === id).map((o) => o.level)),
  ].sort((a, b) => a - b);
  const rules = levels.map((level) => {
    const targets: PdReference[] = [];
    const seen = new Set<string>();
    for (const o of state.onCalls) {
      if (o.escalationPolicyId !== id || o.level !== level) continue;
      const target = o.scheduleId ? scheduleRef(state, o.scheduleId) : userRefById(state, o.userId);
      if (seen.has(target.id)) continue;
      seen.add(target.id);
      targets.push(target);
    }
    return { id: `${id}L${level}`, escalation_delay_in_minutes: 30, targets };
  });
  const services = [...state.services.values()]
    .filter((s) => s.escalationPolicyId === id)
    .map((s) => serviceRef(state, s));
  return {
    ...escalationPolicyRef(state, id),
    type: 'escalation_policy',
    html_url: `${state.webBase}/escalation_policies/${id}`,
    name: ep?.name ?? id,
    description: null,
    escalation_rules: rules,
    services,
    num_loops: ep?.numLoops ?? 0,
    teams: [],
    on_call_handoff_notifications: 'if_has_services',
  };
}

export function priorityRef(state: State, id: string): PdReference {
  const priority = state.priorities.get(id);
  return {
    id,
    type: 'priority_reference',
    summary: priority?.name ?? id,
    self: `${state.apiBase}/priorities/${id}`,
  };
}

export function toPriority(state: State, id: string): PdPriority {
  const priority = state.priorities.get(id);
  return {
    ...priorityRef(state, id),
    type: 'priority',
    name: priority?.name ?? id,
    description: priority?.description ?? '',
  };
}

export function toOnCall(state: State, onCall: OnCallRec, include: ReadonlySet<string>): PdOnCall {
  const user = state.users.get(onCall.userId);
  const weekMs = 7 * 24 * 3600 * 1000;
  return {
    escalation_policy: include.has('escalation_policies')
      ? toEscalationPolicy(state, onCall.escalationPolicyId)
      : escalationPolicyRef(state, onCall.escalationPolicyId),
    escalation_level: onCall.level,
    schedule: onCall.scheduleId
      ? include.has('schedules')
        ? toSchedule(state, onCall.scheduleId)
        : scheduleRef(state, onCall.scheduleId)
      : null,
    user: user && include.has('users') ? toUser(state, user) : userRefById(state, onCall.userId),
    // Direct (non-schedule) rule targets are on call indefinitely, which the API reports as nulls.
    start: onCall.scheduleId ? isoSeconds(onCall.start) : null,
    end: onCall.scheduleId ? isoSeconds(new Date(onCall.start.getTime() + weekMs)) : null,
  };
}

function incidentActorRef(state: State, incident: IncidentRec): PdReference | null {
  const actor = incident.lastStatusChangeBy;
  if (actor?.kind === 'integration') {
    const service = state.services.get(actor.serviceId);
    return service ? serviceRef(state, service) : null;
  }
  return actorReference(state, actor);
}

export function toIncident(state: State, incident: IncidentRec): PdIncident {
  const service = state.services.get(incident.serviceId);
  const serviceReference: PdReference = service
    ? serviceRef(state, service)
    : {
        id: incident.serviceId,
        type: 'service_reference',
        summary: incident.serviceId,
        self: `${state.apiBase}/services/${incident.serviceId}`,
        html_url: `${state.webBase}/service-directory/${incident.serviceId}`,
      };
  const resolved = incident.status === 'resolved';
  return {
    id: incident.id,
    type: 'incident',
    summary: `[#${incident.number}] ${incident.title}`,
    self: `${state.apiBase}/incidents/${incident.id}`,
    html_url: `${state.webBase}/incidents/${incident.id}`,
    incident_number: incident.number,
    title: incident.title,
    created_at: isoSeconds(incident.createdAt),
    updated_at: isoSeconds(incident.updatedAt),
    status: incident.status,
    incident_key: incident.incidentKey,
    service: serviceReference,
    priority: incident.priorityId ? priorityRef(state, incident.priorityId) : null,
    assigned_via: incident.assignedVia,
    assignments: incident.assignments.map((a) => ({
      at: isoSeconds(a.at),
      assignee: userRefById(state, a.userId),
    })),
    acknowledgements: incident.acknowledgements.flatMap((a) =>
      a.userId === null
        ? []
        : [{ at: isoSeconds(a.at), acknowledger: userRefById(state, a.userId) }],
    ),
    resolved_at: incident.resolvedAt ? isoSeconds(incident.resolvedAt) : null,
    last_status_change_at: isoSeconds(incident.lastStatusChangeAt),
    last_status_change_by: incidentActorRef(state, incident),
    first_trigger_log_entry: {
      id: incident.firstLogEntryId,
      type: 'trigger_log_entry_reference',
      summary: 'Triggered through the API',
      self: `${state.apiBase}/log_entries/${incident.firstLogEntryId}?incident_id=${incident.id}`,
      html_url: `${state.webBase}/incidents/${incident.id}/log_entries/${incident.firstLogEntryId}`,
    },
    alert_counts: { all: 1, triggered: resolved ? 0 : 1, resolved: resolved ? 1 : 0 },
    pending_actions: [],
    is_mergeable: true,
    incident_type: { name: 'incident_default' },
    escalation_policy: escalationPolicyRef(state, incident.escalationPolicyId),
    teams: [],
    urgency: incident.urgency,
    resolve_reason: null,
    conference_bridge: null,
  };
}

export function toNote(state: State, note: NoteRec): PdNote {
  return {
    id: note.id,
    user: note.userId ? userRefById(state, note.userId) : null,
    channel: { summary: 'The PagerDuty website or APIs' },
    content: note.content,
    created_at: isoSeconds(note.createdAt),
    updated_at: isoSeconds(note.createdAt),
  };
}
