import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleEnqueue } from './events.js';
import { compileMatcher, type FaultEntry, faultReply, takeFault } from './faults.js';
import {
  addNote,
  applyChange,
  createIncident,
  emitServiceUpdated,
  unacknowledge,
} from './incidents.js';
import { handleRest } from './rest.js';
import { actorReference, toIncident, toNote, toService } from './serialize.js';
import type { Result, State, StateChange } from './state.js';
import {
  addEscalationPolicy,
  addSchedule,
  addService,
  addUser,
  createState,
  findIncident,
  setOnCall,
} from './state.js';
import type {
  FaultMatcher,
  IncidentChange,
  IncidentInput,
  PagerDutyEmulatorOptions,
  PagerDutyFault,
  PagerDutyLogEntry,
  PdIncident,
  PdNote,
  RecordedEvent,
  RecordedRequest,
  SeedEscalationPolicy,
  SeedSchedule,
  SeedService,
  SeedToken,
  SeedUser,
  WebhookDelivery,
  WebhookTargetOptions,
} from './types.js';
import { buildWebhookEvent, createWebhookDispatcher, type WebhookDispatcher } from './webhooks.js';

export const DEFAULT_PAGERDUTY_TOKEN = 'pd-test-token';
export const DEFAULT_WEBHOOK_SECRET = 'pd-test-webhook-secret';

export interface PagerDutyEmulator {
  /** Base URL (no trailing slash); REST at the root, Events API at /v2/enqueue. */
  readonly url: string;
  readonly port: number;
  /** REST-shaped snapshots, oldest first. */
  readonly incidents: PdIncident[];
  readonly requests: RecordedRequest[];
  readonly log: PagerDutyLogEntry[];
  readonly events: RecordedEvent[];
  readonly changeEvents: RecordedEvent[];
  readonly webhookDeliveries: WebhookDelivery[];
  incident(id: string): PdIncident | undefined;
  notes(incidentId: string): PdNote[];
  addUser(user: SeedUser): void;
  addService(service: SeedService): void;
  /** Changes a service and, in webhook mode, emits service.updated. */
  updateService(id: string, patch: Partial<Omit<SeedService, 'id'>>): void;
  addEscalationPolicy(policy: SeedEscalationPolicy): void;
  addSchedule(schedule: SeedSchedule): void;
  addToken(token: SeedToken): void;
  setOnCall(
    escalationPolicyId: string,
    userIds: string | readonly string[],
    level?: number,
    scheduleId?: string,
  ): void;
  clearOnCall(escalationPolicyId: string, level?: number): void;
  /** Same rules as POST /incidents, without HTTP; throws on what the API would reject. */
  createIncident(input: IncidentInput, asUserId?: string): PdIncident;
  updateIncident(id: string, change: IncidentChange, asUserId?: string): PdIncident;
  addNote(incidentId: string, content: string, asUserId?: string): PdNote;
  /** An acknowledgement timing out: back to triggered, incident.unacknowledged. */
  unacknowledge(id: string): PdIncident;
  failNext(matcher: FaultMatcher, fault: PagerDutyFault, times?: number): void;
  /** While down, every connection is reset (clients see a network error). */
  down(isDown?: boolean): void;
  flushWebhooks(): Promise<void>;
  /** Back to the seeded state: clears incidents, records, faults and `down`. */
  reset(): void;
  close(): Promise<void>;
}

function normalizeTarget(
  target: PagerDutyEmulatorOptions['webhookTarget'],
): WebhookTargetOptions | null {
  if (target === undefined) return null;
  const options = typeof target === 'string' ? { url: target } : target;
  return { ...options, secrets: options.secrets ?? [DEFAULT_WEBHOOK_SECRET] };
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new Error(`PagerDuty emulator: ${result.status} ${JSON.stringify(result.body)}`);
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}

export async function startPagerDutyEmulator(
  options: PagerDutyEmulatorOptions = {},
): Promise<PagerDutyEmulator> {
  const now = options.now ?? (() => new Date());
  const target = normalizeTarget(options.webhookTarget);
  const sockets = new Set<Socket>();
  // Delayed responses, so reset()/close() can drop them instead of leaving clients hanging.
  const delayed = new Map<NodeJS.Timeout, ServerResponse>();
  let faults: FaultEntry[] = [];
  let requests: RecordedRequest[] = [];
  let isDown = false;
  let closed = false;
  let dispatcher: WebhookDispatcher | null = null;
  let state: State;

  const onStateChange = (change: StateChange): void => {
    if (!dispatcher || !target) return;
    const at = state.now();
    if (change.kind === 'service') {
      const service = state.services.get(change.serviceId);
      if (service) {
        dispatcher.enqueue(
          buildWebhookEvent('service.updated', toService(state, service), null, { occurredAt: at }),
        );
      }
      return;
    }
    const incident = findIncident(state, change.incidentId);
    if (!incident) return;
    const note = incident.notes.find((n) => n.id === change.noteId);
    dispatcher.enqueue(
      buildWebhookEvent(
        change.eventType,
        toIncident(state, incident),
        actorReference(state, change.actor),
        {
          occurredAt: at,
          extended: target.extended === true,
          ...(note ? { note: { id: note.id, content: note.content } } : {}),
        },
      ),
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`emulator error: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  });
  server.on('connection', (socket) => {
    if (isDown || closed) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const rebuild = (): void => {
    state = createState(options, url, now);
    state.listeners.push(onStateChange);
    dispatcher?.close();
    dispatcher = target ? createWebhookDispatcher(target) : null;
  };
  rebuild();

  const send = (
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    headers: Record<string, string>,
    body: string,
  ): void => {
    record.status = status;
    if (res.destroyed) return;
    res.writeHead(status, headers);
    res.end(body);
  };

  const respond = (
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    raw: string,
  ): void => {
    const method = record.method;
    const path = record.path;
    const json = { 'content-type': 'application/json; charset=utf-8' };
    if (path === '/v2/enqueue' || path === '/v2/change/enqueue') {
      if (method !== 'POST') {
        send(res, record, 404, json, JSON.stringify({ status: 'not found', message: 'Not Found' }));
        return;
      }
      const result = handleEnqueue(state, raw, path === '/v2/enqueue' ? 'alert' : 'change');
      send(res, record, result.status, json, JSON.stringify(result.body));
      return;
    }
    const parsed = new URL(req.url ?? '/', url);
    const result = handleRest(state, {
      method,
      path,
      query: parsed.searchParams,
      headers: record.headers,
      body: record.body,
      bodyInvalid: raw !== '' && typeof record.body === 'string',
    });
    send(res, record, result.status, json, JSON.stringify(result.body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (isDown || closed) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const parsed = new URL(req.url ?? '/', url);
    const record: RecordedRequest = {
      at: state.now().toISOString(),
      method: (req.method ?? 'GET').toUpperCase(),
      path: parsed.pathname,
      query: queryRecord(parsed.searchParams),
      headers: headerRecord(req),
      body,
      rawBody: raw,
      status: 0,
    };
    requests.push(record);

    const entry = takeFault(faults, record.method, record.path);
    if (!entry) {
      respond(req, res, record, raw);
      return;
    }
    record.fault = entry.label;
    const fault = entry.fault;
    if ('reset' in fault) {
      req.socket.destroy();
      return;
    }
    if ('delayMs' in fault) {
      const timer = setTimeout(() => {
        delayed.delete(timer);
        if (!closed) respond(req, res, record, raw);
      }, fault.delayMs);
      delayed.set(timer, res);
      return;
    }
    const reply = faultReply(fault, record.path.startsWith('/v2/'));
    send(res, record, reply.status, reply.headers, reply.body);
  }

  const dropDelayed = (): void => {
    for (const [timer, res] of delayed) {
      clearTimeout(timer);
      res.socket?.destroy();
    }
    delayed.clear();
  };

  const asActor = (userId: string | undefined) =>
    userId === undefined ? null : ({ kind: 'user', userId } as const);

  const incidentOrThrow = (id: string) => {
    const incident = findIncident(state, id);
    if (!incident) throw new Error(`PagerDuty emulator: no incident ${id}`);
    return incident;
  };

  return {
    url,
    port,
    get incidents() {
      return state.incidents.map((i) => toIncident(state, i));
    },
    get requests() {
      return requests;
    },
    get log() {
      return state.log;
    },
    get events() {
      return state.events;
    },
    get changeEvents() {
      return state.changeEvents;
    },
    get webhookDeliveries() {
      return dispatcher?.deliveries ?? [];
    },
    incident(id) {
      const incident = findIncident(state, id);
      return incident ? toIncident(state, incident) : undefined;
    },
    notes(incidentId) {
      return incidentOrThrow(incidentId).notes.map((n) => toNote(state, n));
    },
    addUser: (user) => addUser(state, user),
    addService: (service) => addService(state, service),
    updateService(id, patch) {
      const current = state.services.get(id);
      if (!current) throw new Error(`PagerDuty emulator: no service ${id}`);
      addService(state, {
        id,
        name: patch.name ?? current.name,
        escalationPolicyId: patch.escalationPolicyId ?? current.escalationPolicyId,
        urgency: patch.urgency ?? current.urgency,
        routingKey: patch.routingKey ?? current.routingKey ?? undefined,
      });
      emitServiceUpdated(state, id);
    },
    addEscalationPolicy: (policy) => addEscalationPolicy(state, policy),
    addSchedule: (schedule) => addSchedule(state, schedule),
    addToken(token) {
      if (typeof token === 'string') state.tokens.set(token, null);
      else state.tokens.set(token.token, token.userId);
    },
    setOnCall: (escalationPolicyId, userIds, level = 1, scheduleId) =>
      setOnCall(state, escalationPolicyId, userIds, level, scheduleId),
    clearOnCall(escalationPolicyId, level) {
      state.onCalls = state.onCalls.filter(
        (o) =>
          !(
            o.escalationPolicyId === escalationPolicyId &&
            (level === undefined || o.level === level)
          ),
      );
    },
    createIncident(input, asUserId) {
      return toIncident(state, unwrap(createIncident(state, input, asActor(asUserId), 'helper')));
    },
    updateIncident(id, change, asUserId) {
      const incident = incidentOrThrow(id);
      return toIncident(
        state,
        unwrap(applyChange(state, incident, change, asActor(asUserId), 'helper')),
      );
    },
    addNote(incidentId, content, asUserId) {
      const incident = incidentOrThrow(incidentId);
      return toNote(state, unwrap(addNote(state, incident, content, asActor(asUserId), 'helper')));
    },
    unacknowledge(id) {
      return toIncident(state, unwrap(unacknowledge(state, incidentOrThrow(id), 'helper')));
    },
    failNext(matcher, fault, times = 1) {
      faults.push({
        label: typeof matcher === 'string' ? matcher : 'custom',
        matches: compileMatcher(matcher),
        fault,
        remaining: times,
      });
    },
    down(value = true) {
      isDown = value;
      if (value) {
        for (const socket of sockets) socket.destroy();
      }
    },
    flushWebhooks() {
      return dispatcher?.flush() ?? Promise.resolve();
    },
    reset() {
      faults = [];
      requests = [];
      isDown = false;
      dropDelayed();
      rebuild();
    },
    async close() {
      if (closed) return;
      closed = true;
      dropDelayed();
      dispatcher?.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}
