import { randomBytes } from 'node:crypto';
import { applyChange, createIncident } from './incidents.js';
import type { ServiceRec, State } from './state.js';
import { findOpenIncidentByKey } from './state.js';
import type { RecordedEvent } from './types.js';

export interface EventsResponse {
  status: number;
  body: unknown;
}

// Verbatim from the Events API v2 OpenAPI example (fixtures/pagerduty/events-v2/enqueue.response.error.json).
const UNRECOGNIZED = {
  status: 'Unrecognized object',
  message: 'Event object format is unrecognized',
  errors: ['JSON parse error'],
};

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonBlank(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function findServiceByRoutingKey(state: State, routingKey: string): ServiceRec | undefined {
  for (const service of state.services.values()) {
    if (service.routingKey === routingKey) return service;
  }
  return undefined;
}

// Only the routing_key message is confirmed by captured responses; the other texts are guesses.
function validate(body: Record<string, unknown>, kind: 'alert' | 'change'): string[] {
  const errors: string[] = [];
  const routingKey = body.routing_key;
  if (typeof routingKey !== 'string' || routingKey.length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  const payload = body.payload;
  if (kind === 'change') {
    if (!isRecord(payload) || !nonBlank(payload.summary)) {
      errors.push("'payload.summary' is missing or blank");
    }
    return errors;
  }
  const action = body.event_action;
  if (typeof action !== 'string' || !ACTIONS.has(action)) {
    errors.push("'event_action' is missing or invalid (must be trigger, acknowledge or resolve)");
  }
  const dedupKey = body.dedup_key;
  if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255)) {
    errors.push("'dedup_key' is invalid (must be a string of at most 255 characters)");
  }
  if (action === 'trigger') {
    if (!isRecord(payload)) {
      errors.push("'payload' is missing or not an object");
    } else {
      if (!nonBlank(payload.summary)) errors.push("'payload.summary' is missing or blank");
      if (!nonBlank(payload.source)) errors.push("'payload.source' is missing or blank");
      if (typeof payload.severity !== 'string' || !SEVERITIES.has(payload.severity)) {
        errors.push(
          "'payload.severity' is missing or invalid (must be critical, error, warning or info)",
        );
      }
    }
  } else if ((action === 'acknowledge' || action === 'resolve') && !nonBlank(dedupKey)) {
    errors.push("'dedup_key' is missing or blank");
  }
  return errors;
}

export function handleEnqueue(
  state: State,
  rawBody: string,
  kind: 'alert' | 'change',
): EventsResponse {
  const event: RecordedEvent = {
    at: state.now().toISOString(),
    kind,
    status: 400,
    routing_key: null,
    event_action: null,
    dedup_key: null,
    body: rawBody,
    incidentId: null,
    deduplicated: false,
    errors: [],
  };
  (kind === 'alert' ? state.events : state.changeEvents).push(event);

  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    event.errors = UNRECOGNIZED.errors;
    return { status: 400, body: UNRECOGNIZED };
  }
  if (!isRecord(body)) {
    event.errors = UNRECOGNIZED.errors;
    return { status: 400, body: UNRECOGNIZED };
  }
  event.body = body;
  event.routing_key = typeof body.routing_key === 'string' ? body.routing_key : null;
  event.event_action = typeof body.event_action === 'string' ? body.event_action : null;
  const errors = validate(body, kind);
  if (errors.length > 0) {
    event.errors = errors;
    return {
      status: 400,
      body: { status: 'invalid event', message: 'Event object is invalid', errors },
    };
  }
  event.status = 202;
  if (kind === 'change') {
    return { status: 202, body: { status: 'success', message: 'Change event processed' } };
  }

  const dedupKey =
    typeof body.dedup_key === 'string' ? body.dedup_key : randomBytes(16).toString('hex');
  event.dedup_key = dedupKey;
  // Unknown 32-char keys are accepted without effect; whether PagerDuty rejects them is unverified.
  const service = event.routing_key ? findServiceByRoutingKey(state, event.routing_key) : undefined;
  if (service) {
    const actor = { kind: 'integration', serviceId: service.id } as const;
    const open = findOpenIncidentByKey(state, service.id, dedupKey);
    if (body.event_action === 'trigger') {
      if (open) {
        event.incidentId = open.id;
        event.deduplicated = true;
      } else {
        const payload = isRecord(body.payload) ? body.payload : {};
        const created = createIncident(
          state,
          {
            title: String(payload.summary),
            serviceId: service.id,
            incidentKey: dedupKey,
            body: JSON.stringify(payload.custom_details ?? {}),
          },
          actor,
          'events',
        );
        if (created.ok) event.incidentId = created.value.id;
      }
    } else if (open) {
      event.incidentId = open.id;
      const status = body.event_action === 'acknowledge' ? 'acknowledged' : 'resolved';
      applyChange(state, open, { status }, actor, 'events');
    }
  }
  return {
    status: 202,
    body: { status: 'success', message: 'Event processed', dedup_key: dedupKey },
  };
}
