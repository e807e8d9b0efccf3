import { api } from '@pagerduty/pdjs';
import { z } from 'zod';
import { DeliveryError } from './outbox/worker.js';
import type { PagedIncident, Pager, PagerEvent, PagerUser } from './paging/ports.js';

// The Pager port over @pagerduty/pdjs (the only module that imports it) for the REST API, and
// plain fetch for the Events API v2. pdjs trip-ups (slack-platform.md §4): `server` is
// https-only, so every call passes the full `url`; 4xx/5xx resolve instead of rejecting, so
// `ok` is checked here; `.all()` and `resource` only work on *.com hosts, so pages are read by
// hand; it retries 429 itself after a fixed wait that ignores Retry-After, so that wait is 0
// and the outbox does the real backing off; its own request timeout is inert, so an
// AbortSignal bounds every call.

export interface PagerDutyOptions {
  token: string | undefined;
  /** PagerDuty wants a requester e-mail (From) on every change. */
  from: string | undefined;
  /** REST API base, no trailing slash. */
  apiUrl: string;
  /** Events API base, no trailing slash. */
  eventsUrl: string;
  timeoutMs?: number;
  onCall?: (operation: string, outcome: 'ok' | 'error', ms: number) => void;
}

/** A PagerDuty answer the outbox should know about: retryable (429, 5xx, network) or not. */
export class PagerDutyCallError extends DeliveryError {
  readonly status: number;
  readonly details: readonly string[];
  readonly code: number | null;
  constructor(
    message: string,
    options: ConstructorParameters<typeof DeliveryError>[1] & {
      status?: number;
      details?: readonly string[];
      code?: number | null;
    },
  ) {
    super(message, options);
    this.name = 'PagerDutyCallError';
    this.status = options.status ?? 0;
    this.details = options.details ?? [];
    this.code = options.code ?? null;
  }
}

const ErrorBody = z.object({
  error: z.object({
    message: z.string().nullish(),
    code: z.number().nullish(),
    errors: z.array(z.string()).nullish(),
  }),
});

const Ref = z.object({ id: z.string(), summary: z.string().nullish() });
const Incident = z.object({
  id: z.string().min(1),
  html_url: z.string().nullish(),
  assignments: z.array(z.object({ assignee: Ref })).nullish(),
});
const User = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  summary: z.string().nullish(),
  email: z.string().nullish(),
});
const OnCalls = z.object({
  oncalls: z.array(z.object({ escalation_level: z.number(), user: User })),
  more: z.boolean().nullish(),
});

// PagerDuty's codes for "already in that state" (REST-API errors: 1001 Incident Already Resolved).
const ALREADY_RESOLVED = 1001;
const PAGE_LIMIT = 100;
const MAX_PAGES = 10;

type Query = Record<string, string | string[]>;

export function createPagerDuty(options: PagerDutyOptions): Pager {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = api({ token: options.token ?? '', requestTimeout: 0, retryTimeout: 0 });

  async function call(
    method: 'get' | 'post' | 'put',
    path: string,
    init: { data?: object; query?: Query } = {},
  ): Promise<unknown> {
    const started = Date.now();
    const write = method !== 'get';
    if (write && !options.from)
      throw new PagerDutyCallError('PAGERDUTY_FROM is not set', { permanent: true });
    let response: Awaited<ReturnType<typeof client.get>>;
    try {
      response = await client[method](path, {
        url: `${options.apiUrl}${path}`,
        ...(init.data ? { data: init.data } : {}),
        ...(init.query ? { queryParameters: init.query } : {}),
        headers: write && options.from ? { From: options.from } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      options.onCall?.(`${method} ${path}`, 'error', Date.now() - started);
      // pdjs rejects with the Response itself when the body is not JSON (a gateway's HTML page).
      if (error instanceof Object && 'status' in error && typeof error.status === 'number')
        throw failure(path, error.status, (error as Response).headers, undefined);
      throw new PagerDutyCallError(
        `PagerDuty ${path}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    options.onCall?.(`${method} ${path}`, response.ok ? 'ok' : 'error', Date.now() - started);
    if (!response.ok) throw failure(path, response.status, response.headers, response.data);
    return response.data;
  }

  async function findOpenByKey(incidentKey: string) {
    const data = await call('get', '/incidents', {
      query: { incident_key: incidentKey, 'statuses[]': ['triggered', 'acknowledged'] },
    });
    return z.object({ incidents: z.array(Incident) }).parse(data).incidents[0] ?? null;
  }

  async function setStatus(
    pdIncidentId: string,
    status: 'acknowledged' | 'resolved',
    resolution?: string,
  ) {
    try {
      await call('put', '/incidents', {
        data: {
          incidents: [
            {
              id: pdIncidentId,
              type: 'incident_reference',
              status,
              ...(resolution ? { resolution } : {}),
            },
          ],
        },
      });
    } catch (error) {
      // Resolved over there already (by a person, or by our earlier try): nothing left to do.
      if (error instanceof PagerDutyCallError && error.code === ALREADY_RESOLVED) return;
      throw error;
    }
  }

  async function user(userId: string): Promise<PagerUser | null> {
    try {
      const data = await call('get', `/users/${encodeURIComponent(userId)}`);
      return toUser(z.object({ user: User }).parse(data).user);
    } catch (error) {
      if (error instanceof PagerDutyCallError && error.status === 404) return null;
      throw error;
    }
  }

  return {
    async createIncident(request) {
      const body = {
        incident: {
          type: 'incident',
          title: request.title.slice(0, 1024),
          service: { id: request.serviceId, type: 'service_reference' },
          urgency: request.urgency,
          incident_key: request.incidentKey,
          body: { type: 'incident_body', details: request.details },
          ...(request.escalationPolicyId
            ? {
                escalation_policy: {
                  id: request.escalationPolicyId,
                  type: 'escalation_policy_reference',
                },
              }
            : {}),
        },
      };
      try {
        const data = await call('post', '/incidents', { data: body });
        return paged(z.object({ incident: Incident }).parse(data).incident, false);
      } catch (error) {
        // The key is already open there: a retry after a lost answer, or a second click.
        if (
          error instanceof PagerDutyCallError &&
          error.status === 400 &&
          error.details.some((d) => /dedup key/i.test(d))
        ) {
          const existing = await findOpenByKey(request.incidentKey);
          if (existing) return paged(existing, true);
        }
        throw error;
      }
    },

    acknowledge: (pdIncidentId) => setStatus(pdIncidentId, 'acknowledged'),
    resolve: (pdIncidentId, resolution) => setStatus(pdIncidentId, 'resolved', resolution),

    async onCall(escalationPolicyId) {
      for (let page = 0; page < MAX_PAGES; page++) {
        const data = await call('get', '/oncalls', {
          query: {
            'escalation_policy_ids[]': [escalationPolicyId],
            'include[]': ['users'],
            earliest: 'true',
            limit: String(PAGE_LIMIT),
            offset: String(page * PAGE_LIMIT),
          },
        });
        const parsed = OnCalls.parse(data);
        const first = parsed.oncalls
          .filter((o) => o.escalation_level === 1)
          .sort((a, b) => a.user.id.localeCompare(b.user.id))[0];
        if (first) return first.user.email ? toUser(first.user) : user(first.user.id);
        if (!parsed.more) return null;
      }
      return null;
    },

    user,

    async sendEvent(event) {
      const started = Date.now();
      let response: Response;
      try {
        response = await fetch(`${options.eventsUrl}/v2/enqueue`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(eventBody(event)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        options.onCall?.('events enqueue', 'error', Date.now() - started);
        throw new PagerDutyCallError(
          `PagerDuty Events API: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      const text = await response.text();
      options.onCall?.('events enqueue', response.ok ? 'ok' : 'error', Date.now() - started);
      if (response.ok) return;
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
      const body = z
        .object({ message: z.string().nullish(), errors: z.array(z.string()).nullish() })
        .safeParse(data);
      const detail = body.success
        ? [body.data.message, ...(body.data.errors ?? [])].filter(Boolean).join(': ')
        : '';
      throw new PagerDutyCallError(
        `PagerDuty Events API answered HTTP ${response.status}${detail ? ` (${detail})` : ''}`,
        {
          status: response.status,
          permanent: !retryable(response.status),
          retryAfterMs: retryAfterMs(response.headers),
        },
      );
    },
  };
}

function eventBody(event: PagerEvent): Record<string, unknown> {
  const base = {
    routing_key: event.routingKey,
    event_action: event.action,
    dedup_key: event.dedupKey,
  };
  if (event.action !== 'trigger') return base;
  return {
    ...base,
    client: 'firebreak',
    payload: {
      summary: event.summary.slice(0, 1024),
      source: event.source,
      severity: event.severity,
      custom_details: event.details,
    },
    ...(event.link ? { links: [{ href: event.link, text: 'Incident channel in Slack' }] } : {}),
  };
}

const paged = (incident: z.infer<typeof Incident>, existing: boolean): PagedIncident => ({
  id: incident.id,
  htmlUrl: incident.html_url ?? null,
  existing,
  assignees: (incident.assignments ?? []).map((a) => a.assignee.summary ?? a.assignee.id),
});

const toUser = (user: z.infer<typeof User>): PagerUser => ({
  id: user.id,
  name: user.name ?? user.summary ?? user.id,
  email: user.email ?? null,
});

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** Retry-After, or PagerDuty's ratelimit-reset (seconds until the window resets). */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after') ?? headers?.get('ratelimit-reset');
  const seconds = value ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}

function failure(
  path: string,
  status: number,
  headers: Headers | undefined,
  data: unknown,
): PagerDutyCallError {
  const body = ErrorBody.safeParse(data);
  const details = body.success ? (body.data.error.errors ?? []) : [];
  const message = body.success ? (body.data.error.message ?? '') : '';
  const text = [message, ...details].filter(Boolean).join(': ');
  return new PagerDutyCallError(
    `PagerDuty ${path} answered HTTP ${status}${text ? ` (${text})` : ''}`,
    {
      status,
      details,
      code: body.success ? (body.data.error.code ?? null) : null,
      permanent: !retryable(status),
      retryAfterMs: status === 429 ? retryAfterMs(headers) : undefined,
    },
  );
}
