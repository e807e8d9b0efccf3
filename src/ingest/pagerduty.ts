import { z } from 'zod';
import type { PagerDutyEvent, PagerDutyIncident, PagerDutyRef } from './pagerduty-events.js';

// PagerDuty v3 webhooks (developer-docs webhooks/01-Overview.md). PagerDuty disables a
// subscription after three dropped deliveries, so only what we cannot work without is
// required; everything else is optional and unknown fields are ignored.

const Ref = z.object({
  id: z.string().min(1),
  type: z.string().nullish(),
  summary: z.string().nullish(),
  html_url: z.string().nullish(),
});

const time = z.string().transform((text, ctx) => {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a time` });
    return z.NEVER;
  }
  return date;
});

const Envelope = z.object({
  event: z.object({
    id: z.string().min(1).max(200),
    event_type: z.string().min(1).max(100),
    resource_type: z.string().nullish(),
    occurred_at: time,
    agent: Ref.nullish(),
    data: z.unknown(),
  }),
});

const IncidentData = z.object({
  id: z.string().min(1),
  type: z.literal('incident'),
  html_url: z.string().nullish(),
  number: z.number().int().nullish(),
  status: z.string().default(''),
  title: z.string().default(''),
  incident_key: z.string().nullish(),
  service: Ref,
  assignees: z.array(Ref).nullish(),
  escalation_policy: Ref.nullish(),
  priority: Ref.nullish(),
  urgency: z.enum(['high', 'low']).nullish().catch(null),
});

const NoteData = z.object({
  type: z.literal('incident_note'),
  content: z.string().nullish(),
  incident: Ref,
});

const ref = (r: z.infer<typeof Ref>): PagerDutyRef => ({ id: r.id, name: r.summary ?? null });
const url = (value: string | null | undefined) =>
  value && /^https?:\/\//.test(value) ? value : null;

function toIncident(data: z.infer<typeof IncidentData>): PagerDutyIncident {
  return {
    id: data.id,
    number: data.number ?? null,
    title: data.title.trim(),
    status: data.status,
    htmlUrl: url(data.html_url),
    incidentKey: data.incident_key || null,
    service: ref(data.service),
    escalationPolicy: data.escalation_policy ? ref(data.escalation_policy) : null,
    assignees: (data.assignees ?? []).map(ref),
    priority: data.priority ? ref(data.priority) : null,
    urgency: data.urgency ?? null,
  };
}

/**
 * One v3 webhook body → PagerDutyEvent. Throws (ZodError → 400) only when it is not a v3
 * envelope at all; an incident whose data we cannot read is kept as an event about nothing.
 */
export function parsePagerDutyWebhook(body: unknown): PagerDutyEvent {
  const { event } = Envelope.parse(body);
  const incident = IncidentData.safeParse(event.data);
  const note = incident.success ? undefined : NoteData.safeParse(event.data);
  const agentType = event.agent?.type ?? '';
  return {
    id: event.id,
    type: event.event_type,
    occurredAt: event.occurred_at,
    agent: event.agent
      ? { ...ref(event.agent), isUser: agentType === 'user_reference' || agentType === 'user' }
      : null,
    incidentId: incident.success ? incident.data.id : note?.success ? note.data.incident.id : null,
    incident: incident.success ? toIncident(incident.data) : null,
    note: note?.success ? (note.data.content ?? '') : null,
  };
}
