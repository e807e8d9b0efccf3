import { addNote, applyChange, createIncident, validateChange } from './incidents.js';
import {
  toEscalationPolicy,
  toIncident,
  toNote,
  toOnCall,
  toPriority,
  toSchedule,
  toService,
  toUser,
} from './serialize.js';
import type { Actor, Fail, IncidentRec, Result, State } from './state.js';
import { fail, findIncident, findUserByEmail } from './state.js';
import type { IncidentChange, IncidentInput } from './types.js';

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  /** True when a body was sent but is not valid JSON. */
  bodyInvalid: boolean;
}

export interface RestResponse {
  status: number;
  body: unknown;
}

interface Ctx {
  state: State;
  req: RestRequest;
  tokenUserId: string | null;
}

type Handler = (ctx: Ctx, params: string[]) => RestResponse;

const NOT_FOUND = fail(404, 'Not Found', 2100);

function reply(result: Fail): RestResponse {
  return { status: result.status, body: result.body };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refId(value: unknown): string | undefined {
  return isRecord(value) && typeof value.id === 'string' ? value.id : undefined;
}

/** PagerDuty wants `name[]=a&name[]=b`; the bare name is accepted too for convenience. */
function listParam(query: URLSearchParams, name: string): string[] {
  return [...query.getAll(`${name}[]`), ...query.getAll(name)].filter((v) => v !== '');
}

function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  const value = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(value) ? value : fallback;
}

function paginate<T>(items: readonly T[], query: URLSearchParams, key: string): RestResponse {
  const limit = Math.min(Math.max(intParam(query, 'limit', 25), 1), 100);
  const offset = Math.max(intParam(query, 'offset', 0), 0);
  return {
    status: 200,
    body: {
      [key]: items.slice(offset, offset + limit),
      limit,
      offset,
      more: offset + limit < items.length,
      total: query.get('total') === 'true' ? items.length : null,
    },
  };
}

function authenticate(state: State, headers: Record<string, string>): Result<string | null> {
  const auth = headers.authorization ?? '';
  const match = /^Token token=(.+)$/.exec(auth) ?? /^Bearer (.+)$/.exec(auth);
  const token = match?.[1]?.trim();
  if (token === undefined || !state.tokens.has(token))
    return fail(401, 'Authentication failed', 2006);
  return { ok: true, value: state.tokens.get(token) ?? null };
}

/** Writes need a requester: the From e-mail, or the user behind a user-level token. */
function requester(ctx: Ctx): Result<Actor> {
  const from = ctx.req.headers.from?.trim();
  if (from) {
    const user = findUserByEmail(ctx.state, from);
    if (!user) return fail(400, 'Requester User Not Found', 1008);
    return { ok: true, value: { kind: 'user', userId: user.id } };
  }
  if (ctx.tokenUserId) return { ok: true, value: { kind: 'user', userId: ctx.tokenUserId } };
  return fail(
    400,
    `You must specify a user's email address in the "From" header to perform this action`,
    2016,
  );
}

function parseChange(raw: Record<string, unknown>): Result<IncidentChange> {
  const change: IncidentChange = {};
  if (raw.status !== undefined) {
    if (raw.status !== 'acknowledged' && raw.status !== 'resolved') {
      return fail(400, 'Invalid Status Provided', 1003);
    }
    change.status = raw.status;
  }
  if (typeof raw.resolution === 'string') change.resolution = raw.resolution;
  if (Array.isArray(raw.assignments)) {
    const ids = raw.assignments.map((a) => (isRecord(a) ? refId(a.assignee) : undefined));
    if (ids.some((id) => id === undefined)) {
      return fail(400, 'Invalid Input Provided', 2001, ['Assignments must have an assignee']);
    }
    change.assigneeIds = ids.filter((id): id is string => id !== undefined);
  }
  if (raw.escalation_level !== undefined) {
    if (
      typeof raw.escalation_level !== 'number' ||
      !Number.isInteger(raw.escalation_level) ||
      raw.escalation_level < 1
    ) {
      return fail(400, 'Invalid Input Provided', 2001, [
        'Escalation level must be a positive integer',
      ]);
    }
    change.escalationLevel = raw.escalation_level;
  }
  if (raw.priority === null) change.priorityId = null;
  else if (raw.priority !== undefined) {
    const id = refId(raw.priority);
    if (id === undefined) return fail(400, 'Invalid Priority', 1020);
    change.priorityId = id;
  }
  if (typeof raw.title === 'string') change.title = raw.title;
  if (raw.urgency !== undefined) {
    if (raw.urgency !== 'high' && raw.urgency !== 'low') {
      return fail(400, 'Invalid Input Provided', 2001, ['Urgency is not included in the list']);
    }
    change.urgency = raw.urgency;
  }
  return { ok: true, value: change };
}

function parseCreate(body: unknown): Result<IncidentInput> {
  const raw = isRecord(body) ? body.incident : undefined;
  if (!isRecord(raw)) return fail(400, 'Invalid Input Provided', 2001, ['Incident is required']);
  const input: IncidentInput = {
    title: typeof raw.title === 'string' ? raw.title : '',
    serviceId: refId(raw.service) ?? '',
  };
  if (raw.urgency !== undefined) {
    if (raw.urgency !== 'high' && raw.urgency !== 'low') {
      return fail(400, 'Invalid Input Provided', 2001, ['Urgency is not included in the list']);
    }
    input.urgency = raw.urgency;
  }
  if (typeof raw.incident_key === 'string') input.incidentKey = raw.incident_key;
  if (isRecord(raw.body) && typeof raw.body.details === 'string') input.body = raw.body.details;
  const epId = refId(raw.escalation_policy);
  if (epId !== undefined) input.escalationPolicyId = epId;
  const priorityId = refId(raw.priority);
  if (priorityId !== undefined) input.priorityId = priorityId;
  if (Array.isArray(raw.assignments)) {
    if (epId !== undefined) {
      return fail(400, 'Invalid Input Provided', 2001, [
        'Assignments cannot be specified together with an escalation policy',
      ]);
    }
    input.assigneeIds = raw.assignments
      .map((a) => (isRecord(a) ? refId(a.assignee) : undefined))
      .filter((id): id is string => id !== undefined);
  }
  return { ok: true, value: input };
}

function incidentOr404(ctx: Ctx, id: string | undefined): Result<IncidentRec> {
  const incident = id === undefined ? undefined : findIncident(ctx.state, id);
  return incident ? { ok: true, value: incident } : NOT_FOUND;
}

// ---- handlers --------------------------------------------------------------

const listIncidents: Handler = ({ state, req }) => {
  const statuses = listParam(req.query, 'statuses');
  const serviceIds = listParam(req.query, 'service_ids');
  const urgencies = listParam(req.query, 'urgencies');
  const userIds = listParam(req.query, 'user_ids');
  const key = req.query.get('incident_key');
  const items = state.incidents
    .filter((i) => statuses.length === 0 || statuses.includes(i.status))
    .filter((i) => serviceIds.length === 0 || serviceIds.includes(i.serviceId))
    .filter((i) => urgencies.length === 0 || urgencies.includes(i.urgency))
    .filter((i) => userIds.length === 0 || i.assignments.some((a) => userIds.includes(a.userId)))
    .filter((i) => key === null || i.incidentKey === key)
    .map((i) => toIncident(state, i));
  return paginate(items, req.query, 'incidents');
};

const postIncident: Handler = (ctx) => {
  const actor = requester(ctx);
  if (!actor.ok) return reply(actor);
  const input = parseCreate(ctx.req.body);
  if (!input.ok) return reply(input);
  const created = createIncident(ctx.state, input.value, actor.value, 'rest');
  if (!created.ok) return reply(created);
  return { status: 201, body: { incident: toIncident(ctx.state, created.value) } };
};

const getIncident: Handler = (ctx, [id]) => {
  const incident = incidentOr404(ctx, id);
  if (!incident.ok) return reply(incident);
  return { status: 200, body: { incident: toIncident(ctx.state, incident.value) } };
};

const putIncident: Handler = (ctx, [id]) => {
  const actor = requester(ctx);
  if (!actor.ok) return reply(actor);
  const incident = incidentOr404(ctx, id);
  if (!incident.ok) return reply(incident);
  const raw = isRecord(ctx.req.body) ? ctx.req.body.incident : undefined;
  if (!isRecord(raw))
    return reply(fail(400, 'Invalid Input Provided', 2001, ['Incident is required']));
  const change = parseChange(raw);
  if (!change.ok) return reply(change);
  const updated = applyChange(ctx.state, incident.value, change.value, actor.value, 'rest');
  if (!updated.ok) return reply(updated);
  return { status: 200, body: { incident: toIncident(ctx.state, updated.value) } };
};

const putIncidents: Handler = (ctx) => {
  const actor = requester(ctx);
  if (!actor.ok) return reply(actor);
  const items = isRecord(ctx.req.body) ? ctx.req.body.incidents : undefined;
  if (!Array.isArray(items) || items.length === 0) {
    return reply(
      fail(400, 'Invalid Input Provided', 2001, ['Incidents must be a non-empty array']),
    );
  }
  // Validate every entry before touching state so a bad entry leaves nothing half-applied.
  const planned: Array<{ incident: IncidentRec; change: IncidentChange }> = [];
  for (const item of items) {
    if (!isRecord(item))
      return reply(fail(400, 'Invalid Input Provided', 2001, ['Invalid incident']));
    const incident = incidentOr404(ctx, typeof item.id === 'string' ? item.id : undefined);
    if (!incident.ok) return reply(incident);
    const change = parseChange(item);
    if (!change.ok) return reply(change);
    const invalid = validateChange(ctx.state, incident.value, change.value);
    if (invalid) return reply(invalid);
    planned.push({ incident: incident.value, change: change.value });
  }
  const results = [];
  for (const { incident, change } of planned) {
    const updated = applyChange(ctx.state, incident, change, actor.value, 'rest');
    if (!updated.ok) return reply(updated);
    results.push(toIncident(ctx.state, updated.value));
  }
  return { status: 200, body: { incidents: results } };
};

const listNotes: Handler = (ctx, [id]) => {
  const incident = incidentOr404(ctx, id);
  if (!incident.ok) return reply(incident);
  return { status: 200, body: { notes: incident.value.notes.map((n) => toNote(ctx.state, n)) } };
};

const postNote: Handler = (ctx, [id]) => {
  const actor = requester(ctx);
  if (!actor.ok) return reply(actor);
  const incident = incidentOr404(ctx, id);
  if (!incident.ok) return reply(incident);
  const raw = isRecord(ctx.req.body) ? ctx.req.body.note : undefined;
  const content = isRecord(raw) && typeof raw.content === 'string' ? raw.content : '';
  const note = addNote(ctx.state, incident.value, content, actor.value, 'rest');
  if (!note.ok) return reply(note);
  // The REST OpenAPI documents 200 (not 201) for this operation.
  return { status: 200, body: { note: toNote(ctx.state, note.value) } };
};

const listOnCalls: Handler = ({ state, req }) => {
  const epIds = listParam(req.query, 'escalation_policy_ids');
  const userIds = listParam(req.query, 'user_ids');
  const scheduleIds = listParam(req.query, 'schedule_ids');
  const include = new Set(listParam(req.query, 'include'));
  const epOrder = [...state.escalationPolicies.keys()];
  // One entry per (policy, level, user) already, so `earliest=true` needs no extra work.
  const items = state.onCalls
    .filter((o) => epIds.length === 0 || epIds.includes(o.escalationPolicyId))
    .filter((o) => userIds.length === 0 || userIds.includes(o.userId))
    .filter(
      (o) =>
        scheduleIds.length === 0 || (o.scheduleId !== null && scheduleIds.includes(o.scheduleId)),
    )
    .sort(
      (a, b) =>
        epOrder.indexOf(a.escalationPolicyId) - epOrder.indexOf(b.escalationPolicyId) ||
        a.level - b.level,
    )
    .map((o) => toOnCall(state, o, include));
  return paginate(items, req.query, 'oncalls');
};

const listUsers: Handler = ({ state, req }) => {
  const q = req.query.get('query')?.toLowerCase() ?? '';
  const items = [...state.users.values()]
    .filter(
      (u) => q === '' || u.name.toLowerCase().includes(q) || u.email.toLowerCase().includes(q),
    )
    .map((u) => toUser(state, u));
  return paginate(items, req.query, 'users');
};

const getUser: Handler = ({ state }, [id]) => {
  const user = id === undefined ? undefined : state.users.get(id);
  return user ? { status: 200, body: { user: toUser(state, user) } } : reply(NOT_FOUND);
};

const listServices: Handler = ({ state, req }) =>
  paginate(
    [...state.services.values()].map((s) => toService(state, s)),
    req.query,
    'services',
  );

const getService: Handler = ({ state }, [id]) => {
  const service = id === undefined ? undefined : state.services.get(id);
  return service ? { status: 200, body: { service: toService(state, service) } } : reply(NOT_FOUND);
};

const listEscalationPolicies: Handler = ({ state, req }) =>
  paginate(
    [...state.escalationPolicies.keys()].map((id) => toEscalationPolicy(state, id)),
    req.query,
    'escalation_policies',
  );

const getEscalationPolicy: Handler = ({ state }, [id]) =>
  id !== undefined && state.escalationPolicies.has(id)
    ? { status: 200, body: { escalation_policy: toEscalationPolicy(state, id) } }
    : reply(NOT_FOUND);

const getSchedule: Handler = ({ state }, [id]) =>
  id !== undefined && state.schedules.has(id)
    ? { status: 200, body: { schedule: toSchedule(state, id) } }
    : reply(NOT_FOUND);

const listPriorities: Handler = ({ state, req }) =>
  paginate(
    [...state.priorities.keys()].map((id) => toPriority(state, id)),
    req.query,
    'priorities',
  );

const getAbilities: Handler = () => ({
  status: 200,
  body: {
    abilities: ['teams', 'read_only_users', 'urgencies', 'incident_priorities', 'event_rules'],
  },
});

const ROUTES: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/abilities$/, getAbilities],
  ['GET', /^\/incidents$/, listIncidents],
  ['POST', /^\/incidents$/, postIncident],
  ['PUT', /^\/incidents$/, putIncidents],
  ['GET', /^\/incidents\/([^/]+)$/, getIncident],
  ['PUT', /^\/incidents\/([^/]+)$/, putIncident],
  ['GET', /^\/incidents\/([^/]+)\/notes$/, listNotes],
  ['POST', /^\/incidents\/([^/]+)\/notes$/, postNote],
  ['GET', /^\/oncalls$/, listOnCalls],
  ['GET', /^\/users$/, listUsers],
  ['GET', /^\/users\/([^/]+)$/, getUser],
  ['GET', /^\/services$/, listServices],
  ['GET', /^\/services\/([^/]+)$/, getService],
  ['GET', /^\/escalation_policies$/, listEscalationPolicies],
  ['GET', /^\/escalation_policies\/([^/]+)$/, getEscalationPolicy],
  ['GET', /^\/schedules\/([^/]+)$/, getSchedule],
  ['GET', /^\/priorities$/, listPriorities],
];

export function handleRest(state: State, req: RestRequest): RestResponse {
  const auth = authenticate(state, req.headers);
  if (!auth.ok) return reply(auth);
  if (req.bodyInvalid)
    return reply(fail(400, 'Invalid Input Provided', 2001, ['Malformed JSON body']));
  for (const [method, pattern, handler] of ROUTES) {
    if (method !== req.method) continue;
    const match = pattern.exec(req.path);
    if (!match) continue;
    const params = match.slice(1).map((p) => decodeURIComponent(p));
    return handler({ state, req, tokenUserId: auth.value }, params);
  }
  return reply(NOT_FOUND);
}
