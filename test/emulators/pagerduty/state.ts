import type {
  IncidentStatus,
  PagerDutyEmulatorOptions,
  PagerDutyLogEntry,
  PdErrorBody,
  RecordedEvent,
  SeedEscalationPolicy,
  SeedOnCall,
  SeedPriority,
  SeedSchedule,
  SeedService,
  SeedUser,
  Urgency,
  WebhookEventType,
} from './types.js';

export interface UserRec {
  id: string;
  name: string;
  email: string;
  summary: string;
  htmlUrl: string | null;
  timeZone: string;
  role: string;
  jobTitle: string | null;
}

export interface ServiceRec {
  id: string;
  name: string;
  escalationPolicyId: string;
  routingKey: string | null;
  integrationId: string;
  urgency: Urgency;
  createdAt: Date;
}

export interface OnCallRec {
  escalationPolicyId: string;
  userId: string;
  level: number;
  scheduleId: string | null;
  start: Date;
}

export interface NoteRec {
  id: string;
  userId: string | null;
  content: string;
  createdAt: Date;
}

export interface IncidentRec {
  id: string;
  number: number;
  title: string;
  status: IncidentStatus;
  urgency: Urgency;
  incidentKey: string;
  serviceId: string;
  escalationPolicyId: string;
  priorityId: string | null;
  body: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastStatusChangeAt: Date;
  lastStatusChangeBy: Actor;
  resolvedAt: Date | null;
  assignedVia: 'escalation_policy' | 'direct_assignment';
  assignments: Array<{ userId: string; at: Date }>;
  acknowledgements: Array<{ userId: string | null; at: Date }>;
  escalationLevel: number;
  notes: NoteRec[];
  firstLogEntryId: string;
}

/** Who caused a change: a user (REST/helper) or an Events API integration. */
export type Actor =
  | { kind: 'user'; userId: string }
  | { kind: 'integration'; serviceId: string }
  | null;

export type Via = PagerDutyLogEntry['via'];

export type StateChange =
  | {
      kind: 'incident';
      eventType: WebhookEventType;
      incidentId: string;
      actor: Actor;
      noteId?: string;
    }
  | { kind: 'service'; eventType: 'service.updated'; serviceId: string };

export interface State {
  apiBase: string;
  webBase: string;
  now: () => Date;
  tokens: Map<string, string | null>;
  users: Map<string, UserRec>;
  services: Map<string, ServiceRec>;
  escalationPolicies: Map<string, { id: string; name: string; numLoops: number }>;
  schedules: Map<string, { id: string; name: string; timeZone: string }>;
  priorities: Map<string, { id: string; name: string; description: string }>;
  onCalls: OnCallRec[];
  incidents: IncidentRec[];
  log: PagerDutyLogEntry[];
  events: RecordedEvent[];
  changeEvents: RecordedEvent[];
  counters: { incident: number; note: number; logEntry: number; seq: number; integration: number };
  listeners: Array<(change: StateChange) => void>;
}

export type Fail = { ok: false; status: number; body: PdErrorBody };
export type Result<T> = { ok: true; value: T } | Fail;

export function fail(status: number, message: string, code: number, errors?: string[]): Fail {
  return {
    ok: false,
    status,
    body: { error: errors ? { message, code, errors } : { message, code } },
  };
}

export interface PagerDutySeed {
  users: readonly SeedUser[];
  escalationPolicies: readonly SeedEscalationPolicy[];
  services: readonly SeedService[];
  onCalls: readonly SeedOnCall[];
}

/** Used when the caller starts the emulator without any seed of its own. */
export const PAGERDUTY_DEFAULT_SEED: PagerDutySeed = {
  users: [
    { id: 'PALICE1', name: 'Alice Oncall', email: 'alice@example.com' },
    { id: 'PBOB002', name: 'Bob Backup', email: 'bob@example.com' },
  ],
  escalationPolicies: [{ id: 'PEPOL01', name: 'Checkout Escalation' }],
  services: [
    {
      id: 'PSVC001',
      name: 'Checkout API',
      escalationPolicyId: 'PEPOL01',
      routingKey: 'e93facc04764012d7bfb002500d5d1a6',
    },
  ],
  onCalls: [
    { escalationPolicyId: 'PEPOL01', userId: 'PALICE1', level: 1 },
    { escalationPolicyId: 'PEPOL01', userId: 'PBOB002', level: 2 },
  ],
};

const DEFAULT_PRIORITIES: SeedPriority[] = [1, 2, 3, 4, 5].map((n) => ({
  id: `PPRIO0${n}`,
  name: `P${n}`,
}));

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createState(
  options: PagerDutyEmulatorOptions,
  apiBase: string,
  now: () => Date,
): State {
  const state: State = {
    apiBase,
    webBase: `https://${options.subdomain ?? 'firebreak-test'}.pagerduty.com`,
    now,
    tokens: new Map(),
    users: new Map(),
    services: new Map(),
    escalationPolicies: new Map(),
    schedules: new Map(),
    priorities: new Map(),
    onCalls: [],
    incidents: [],
    log: [],
    events: [],
    changeEvents: [],
    counters: { incident: 0, note: 0, logEntry: 0, seq: 0, integration: 0 },
    listeners: [],
  };
  const seeded =
    options.users !== undefined ||
    options.services !== undefined ||
    options.escalationPolicies !== undefined ||
    options.onCalls !== undefined;
  const seed: Partial<PagerDutySeed> = seeded ? options : PAGERDUTY_DEFAULT_SEED;
  for (const token of options.tokens ?? ['pd-test-token']) {
    if (typeof token === 'string') state.tokens.set(token, null);
    else state.tokens.set(token.token, token.userId);
  }
  for (const user of seed.users ?? []) addUser(state, user);
  for (const ep of seed.escalationPolicies ?? []) addEscalationPolicy(state, ep);
  for (const schedule of options.schedules ?? []) addSchedule(state, schedule);
  for (const priority of options.priorities ?? DEFAULT_PRIORITIES) addPriority(state, priority);
  for (const service of seed.services ?? []) addService(state, service);
  for (const onCall of seed.onCalls ?? []) {
    setOnCall(
      state,
      onCall.escalationPolicyId,
      onCall.userId,
      onCall.level ?? 1,
      onCall.scheduleId,
    );
  }
  return state;
}

// ---- seeding helpers -----------------------------------------------------

export function addUser(state: State, user: SeedUser): void {
  state.users.set(user.id, {
    id: user.id,
    name: user.name,
    email: user.email,
    summary: user.summary ?? user.name,
    htmlUrl: user.html_url ?? null,
    timeZone: user.time_zone ?? 'Etc/UTC',
    role: user.role ?? 'user',
    jobTitle: user.job_title ?? null,
  });
}

export function addEscalationPolicy(state: State, ep: SeedEscalationPolicy): void {
  state.escalationPolicies.set(ep.id, { id: ep.id, name: ep.name, numLoops: ep.numLoops ?? 0 });
}

export function addSchedule(state: State, schedule: SeedSchedule): void {
  state.schedules.set(schedule.id, {
    id: schedule.id,
    name: schedule.name,
    timeZone: schedule.timeZone ?? 'Etc/UTC',
  });
}

export function addPriority(state: State, priority: SeedPriority): void {
  state.priorities.set(priority.id, {
    id: priority.id,
    name: priority.name,
    description: priority.description ?? '',
  });
}

export function addService(state: State, service: SeedService): void {
  if (!state.escalationPolicies.has(service.escalationPolicyId)) {
    throw new Error(
      `service ${service.id}: unknown escalation policy ${service.escalationPolicyId}`,
    );
  }
  const existing = state.services.get(service.id);
  state.counters.integration += 1;
  state.services.set(service.id, {
    id: service.id,
    name: service.name,
    escalationPolicyId: service.escalationPolicyId,
    routingKey: service.routingKey ?? null,
    integrationId:
      existing?.integrationId ?? `PINT${String(state.counters.integration).padStart(3, '0')}`,
    urgency: service.urgency ?? 'high',
    createdAt: existing?.createdAt ?? state.now(),
  });
}

/** Replaces whoever is on call at that level (a hand-off), keeping other levels. */
export function setOnCall(
  state: State,
  escalationPolicyId: string,
  userIds: string | readonly string[],
  level = 1,
  scheduleId?: string,
): void {
  if (!state.escalationPolicies.has(escalationPolicyId)) {
    throw new Error(`unknown escalation policy ${escalationPolicyId}`);
  }
  if (scheduleId !== undefined && !state.schedules.has(scheduleId)) {
    throw new Error(`unknown schedule ${scheduleId}`);
  }
  const ids = typeof userIds === 'string' ? [userIds] : userIds;
  for (const id of ids) {
    if (!state.users.has(id)) throw new Error(`unknown user ${id}`);
  }
  state.onCalls = state.onCalls.filter(
    (o) => !(o.escalationPolicyId === escalationPolicyId && o.level === level),
  );
  for (const userId of ids) {
    state.onCalls.push({
      escalationPolicyId,
      userId,
      level,
      scheduleId: scheduleId ?? null,
      start: state.now(),
    });
  }
}

export function onCallUserIds(state: State, escalationPolicyId: string, level: number): string[] {
  return state.onCalls
    .filter((o) => o.escalationPolicyId === escalationPolicyId && o.level === level)
    .map((o) => o.userId);
}

export function findUserByEmail(state: State, email: string): UserRec | undefined {
  const wanted = email.trim().toLowerCase();
  for (const user of state.users.values()) {
    if (user.email.toLowerCase() === wanted) return user;
  }
  return undefined;
}

export function findIncident(state: State, id: string): IncidentRec | undefined {
  return state.incidents.find((i) => i.id === id);
}

export function findOpenIncidentByKey(
  state: State,
  serviceId: string,
  incidentKey: string,
): IncidentRec | undefined {
  return state.incidents.find(
    (i) => i.serviceId === serviceId && i.incidentKey === incidentKey && i.status !== 'resolved',
  );
}
