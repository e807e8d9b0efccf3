import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type {
  PdIncident,
  PdReference,
  PdService,
  PdUser,
  WebhookDelivery,
  WebhookEnvelope,
  WebhookEventType,
  WebhookTargetOptions,
} from './types.js';

export type WebhookIncidentSource = Pick<
  PdIncident,
  | 'id'
  | 'self'
  | 'html_url'
  | 'incident_number'
  | 'status'
  | 'title'
  | 'service'
  | 'assignments'
  | 'escalation_policy'
  | 'priority'
  | 'urgency'
> &
  Partial<
    Pick<
      PdIncident,
      'teams' | 'incident_key' | 'created_at' | 'conference_bridge' | 'incident_type'
    >
  >;

export type WebhookServiceSource = Pick<PdService, 'id' | 'self' | 'html_url' | 'summary'> &
  Partial<Pick<PdService, 'teams' | 'alert_creation'>>;

export interface BuildWebhookOptions {
  id?: string;
  occurredAt?: Date | string;
  client?: { name: string } | null;
  /** Adds incident_key, created_at, reopened_at and incident_type like newer deliveries do. */
  extended?: boolean;
  /** Required for incident.annotated. */
  note?: { id: string; content: string };
}

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 26-char ULID-like id, the form the captured v3 deliveries use for event.id. */
export function webhookEventId(): string {
  const bytes = randomBytes(24);
  let out = '01';
  for (const byte of bytes) out += ULID_ALPHABET[byte % 32] ?? '0';
  return out;
}

// Delivered references use the key order html_url, id, self, summary, type.
function webhookRef(ref: PdReference | PdUser): PdReference {
  return {
    html_url: ref.html_url ?? null,
    id: ref.id,
    self: ref.self,
    summary: ref.summary,
    type: ref.type === 'user' ? 'user_reference' : ref.type,
  };
}

function incidentData(
  incident: WebhookIncidentSource,
  options: BuildWebhookOptions,
): Record<string, unknown> {
  const origin = new URL(incident.html_url).origin;
  const priority = incident.priority
    ? {
        html_url: incident.priority.html_url ?? `${origin}/account/incident_priorities`,
        id: incident.priority.id,
        self: incident.priority.self,
        summary: incident.priority.summary,
        type: 'priority_reference',
      }
    : null;
  const extended = options.extended === true;
  return {
    id: incident.id,
    type: 'incident',
    self: incident.self,
    html_url: incident.html_url,
    number: incident.incident_number,
    status: incident.status,
    ...(extended
      ? {
          incident_key: incident.incident_key ?? null,
          created_at: incident.created_at ?? null,
          reopened_at: null,
        }
      : {}),
    title: incident.title,
    service: webhookRef(incident.service),
    assignees: incident.assignments.map((a) => webhookRef(a.assignee)),
    escalation_policy: webhookRef(incident.escalation_policy),
    teams: (incident.teams ?? []).map(webhookRef),
    priority,
    urgency: incident.urgency,
    conference_bridge: incident.conference_bridge ?? null,
    resolve_reason: null,
    ...(extended ? { incident_type: incident.incident_type ?? { name: 'incident_default' } } : {}),
  };
}

/**
 * Builds a v3 webhook envelope shaped like fixtures/pagerduty/webhook-v3/*.
 * `resource` is a REST incident (incident.*) or a REST service (service.updated).
 */
export function buildWebhookEvent(
  eventType: WebhookEventType,
  resource: WebhookIncidentSource | WebhookServiceSource,
  agent?: PdReference | PdUser | null,
  options: BuildWebhookOptions = {},
): WebhookEnvelope {
  const occurredAt =
    options.occurredAt instanceof Date
      ? options.occurredAt.toISOString()
      : (options.occurredAt ?? new Date().toISOString());
  let data: Record<string, unknown>;
  if (eventType === 'service.updated') {
    data = {
      html_url: resource.html_url,
      id: resource.id,
      self: resource.self,
      summary: 'summary' in resource ? resource.summary : resource.title,
      alert_creation:
        'alert_creation' in resource ? resource.alert_creation : 'create_alerts_and_incidents',
      teams: (resource.teams ?? []).map(webhookRef),
      type: 'service',
    };
  } else if (!('incident_number' in resource)) {
    throw new Error(`${eventType} needs an incident, got a service`);
  } else if (eventType === 'incident.annotated') {
    if (!options.note) throw new Error('incident.annotated needs options.note');
    data = {
      incident: {
        html_url: resource.html_url,
        id: resource.id,
        self: resource.self,
        summary: resource.title,
        type: 'incident_reference',
      },
      id: options.note.id,
      content: options.note.content,
      trimmed: false,
      type: 'incident_note',
    };
  } else {
    data = incidentData(resource, options);
  }
  return {
    event: {
      id: options.id ?? webhookEventId(),
      event_type: eventType,
      resource_type: eventType.startsWith('service.') ? 'service' : 'incident',
      occurred_at: occurredAt,
      agent: agent ? webhookRef(agent) : null,
      client: options.client ?? null,
      data,
    },
  };
}

/** `X-PagerDuty-Signature` value: `v1=<hex HMAC-SHA256(secret, raw body)>` per secret, comma-joined. */
export function signWebhook(rawBody: string | Uint8Array, secrets: readonly string[]): string {
  return secrets
    .map((secret) => `v1=${createHmac('sha256', secret).update(rawBody).digest('hex')}`)
    .join(',');
}

export interface DeliverWebhookOptions {
  secrets: readonly string[];
  /** Reuse to model a redelivery: PagerDuty repeats the id on every attempt. */
  webhookId?: string;
  subscriptionId?: string;
  /** PagerDuty gives up on a generic webhook after 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DeliverWebhookResult {
  status: number;
  body: string;
  webhookId: string;
  rawBody: string;
  signature: string;
}

/** POSTs one signed delivery the way PagerDuty does. Rejects on network errors and timeouts. */
export async function deliverWebhook(
  targetUrl: string,
  envelope: WebhookEnvelope | string,
  options: DeliverWebhookOptions,
): Promise<DeliverWebhookResult> {
  const rawBody = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  const webhookId = options.webhookId ?? randomUUID();
  const signature = signWebhook(rawBody, options.secrets);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'PagerDuty-Webhook/V3.0',
    'X-Webhook-Id': webhookId,
    'X-Webhook-Subscription': options.subscriptionId ?? 'PWHSUB1',
  };
  if (signature !== '') headers['X-PagerDuty-Signature'] = signature;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const timer = setTimeout(
    () => controller.abort(new Error('webhook delivery timed out')),
    options.timeoutMs ?? 5000,
  );
  try {
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers,
      body: rawBody,
      signal: controller.signal,
    });
    const body = await response.text();
    return { status: response.status, body, webhookId, rawBody, signature };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

export interface WebhookDispatcher {
  readonly deliveries: WebhookDelivery[];
  enqueue(envelope: WebhookEnvelope): void;
  /** Resolves once every queued delivery (with retries) has finished. */
  flush(): Promise<void>;
  close(): void;
}

/** Sequential delivery keeps per-incident ordering, which PagerDuty guarantees. */
export function createWebhookDispatcher(target: WebhookTargetOptions): WebhookDispatcher {
  const deliveries: WebhookDelivery[] = [];
  const controller = new AbortController();
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let tail: Promise<void> = Promise.resolve();
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      sleepers.add(entry);
    });

  const attempt = async (delivery: WebhookDelivery): Promise<void> => {
    const attempts = 1 + (target.retries ?? 0);
    for (let i = 0; i < attempts && !closed; i += 1) {
      if (i > 0) await sleep(target.retryDelayMs ?? 50);
      if (closed) return;
      try {
        const result = await deliverWebhook(target.url, delivery.rawBody, {
          secrets: target.secrets ?? [],
          webhookId: delivery.webhookId,
          subscriptionId: target.subscriptionId ?? 'PWHSUB1',
          timeoutMs: target.timeoutMs ?? 5000,
          signal: controller.signal,
        });
        delivery.attempts.push({ status: result.status });
        if (result.status >= 200 && result.status < 300) {
          delivery.delivered = true;
          return;
        }
        // Other 4xx answers are permanent: PagerDuty drops the webhook without retrying.
        if (result.status !== 429 && result.status < 500) return;
      } catch (error) {
        delivery.attempts.push({
          status: 0,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  return {
    deliveries,
    enqueue(envelope) {
      if (closed) return;
      const delivery: WebhookDelivery = {
        webhookId: randomUUID(),
        eventType: envelope.event.event_type,
        rawBody: JSON.stringify(envelope),
        envelope,
        attempts: [],
        delivered: false,
      };
      deliveries.push(delivery);
      tail = tail.then(() => attempt(delivery));
    },
    flush() {
      return tail;
    },
    close() {
      closed = true;
      controller.abort(new Error('emulator closed'));
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      sleepers.clear();
    },
  };
}
