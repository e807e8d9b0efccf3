import { randomBytes } from 'node:crypto';
import { actorReference } from './serialize.js';
import type {
  Actor,
  Fail,
  IncidentRec,
  NoteRec,
  Result,
  State,
  StateChange,
  Via,
} from './state.js';
import { fail, findOpenIncidentByKey, onCallUserIds } from './state.js';
import type {
  IncidentChange,
  IncidentInput,
  IncidentStatus,
  LogEntryType,
  WebhookEventType,
} from './types.js';

function record(
  state: State,
  type: LogEntryType,
  incident: IncidentRec,
  via: Via,
  actor: Actor,
  details: Record<string, unknown>,
  eventType: WebhookEventType,
  noteId?: string,
): void {
  state.counters.seq += 1;
  state.log.push({
    seq: state.counters.seq,
    at: state.now().toISOString(),
    type,
    incidentId: incident.id,
    via,
    agent: actorReference(state, actor),
    details,
  });
  const change: StateChange = { kind: 'incident', eventType, incidentId: incident.id, actor };
  if (noteId !== undefined) change.noteId = noteId;
  for (const listener of state.listeners) listener(change);
}

export function emitServiceUpdated(state: State, serviceId: string): void {
  for (const listener of state.listeners) {
    listener({ kind: 'service', eventType: 'service.updated', serviceId });
  }
}

// ---- domain operations -------------------------------------------------------

function nextIncidentId(state: State): string {
  state.counters.incident += 1;
  return `Q${state.counters.incident.toString(36).toUpperCase().padStart(13, '0')}`;
}

export function createIncident(
  state: State,
  input: IncidentInput,
  actor: Actor,
  via: Via,
): Result<IncidentRec> {
  if (input.title.trim() === '') {
    return fail(400, 'Invalid Input Provided', 2001, ['Title cannot be empty.']);
  }
  const service = state.services.get(input.serviceId);
  if (!service) return fail(400, 'Arguments Caused Error', 2002, ['Service not found']);
  const epId = input.escalationPolicyId ?? service.escalationPolicyId;
  if (!state.escalationPolicies.has(epId)) {
    return fail(400, 'Arguments Caused Error', 2002, ['Escalation Policy Not Found']);
  }
  if (input.priorityId !== undefined && !state.priorities.has(input.priorityId)) {
    return fail(400, 'Invalid Priority', 1020);
  }
  for (const id of input.assigneeIds ?? []) {
    if (!state.users.has(id)) return fail(400, 'Assigned To User Not Found', 1007);
  }
  if (
    input.incidentKey !== undefined &&
    findOpenIncidentByKey(state, service.id, input.incidentKey)
  ) {
    return fail(400, 'Arguments Caused Error', 2002, [
      'Open incident with matching dedup key already exists on this service',
    ]);
  }
  const at = state.now();
  const direct = input.assigneeIds !== undefined && input.assigneeIds.length > 0;
  const assigneeIds = direct ? (input.assigneeIds ?? []) : onCallUserIds(state, epId, 1);
  state.counters.logEntry += 1;
  const incident: IncidentRec = {
    id: nextIncidentId(state),
    number: state.counters.incident,
    title: input.title,
    status: 'triggered',
    urgency: input.urgency ?? service.urgency,
    // PagerDuty fills in a key when none is given (newer webhook payloads always carry one).
    incidentKey: input.incidentKey ?? randomBytes(16).toString('hex'),
    serviceId: service.id,
    escalationPolicyId: epId,
    priorityId: input.priorityId ?? null,
    body: input.body ?? null,
    createdAt: at,
    updatedAt: at,
    lastStatusChangeAt: at,
    lastStatusChangeBy: actor,
    resolvedAt: null,
    assignedVia: direct ? 'direct_assignment' : 'escalation_policy',
    assignments: assigneeIds.map((userId) => ({ userId, at })),
    acknowledgements: [],
    escalationLevel: 1,
    notes: [],
    firstLogEntryId: `R${state.counters.logEntry.toString(36).toUpperCase().padStart(13, '0')}`,
  };
  state.incidents.push(incident);
  record(
    state,
    'trigger',
    incident,
    via,
    actor,
    { title: incident.title, incident_key: incident.incidentKey, assignees: assigneeIds },
    'incident.triggered',
  );
  return { ok: true, value: incident };
}

/** Checks a change against the current state without applying anything. */
export function validateChange(
  state: State,
  incident: IncidentRec,
  change: IncidentChange,
): Fail | null {
  if (change.status !== undefined) {
    if (change.status !== 'acknowledged' && change.status !== 'resolved') {
      return fail(400, 'Invalid Status Provided', 1003);
    }
    if (incident.status === 'resolved') return fail(400, 'Incident Already Resolved', 1001);
  }
  if (change.priorityId !== undefined && change.priorityId !== null) {
    if (!state.priorities.has(change.priorityId)) return fail(400, 'Invalid Priority', 1020);
  }
  for (const id of change.assigneeIds ?? []) {
    if (!state.users.has(id)) return fail(400, 'Assigned To User Not Found', 1007);
  }
  if (change.escalationLevel !== undefined) {
    if (incident.status === 'resolved') return fail(400, 'Incident Already Resolved', 1001);
    if (onCallUserIds(state, incident.escalationPolicyId, change.escalationLevel).length === 0) {
      return fail(400, 'Cannot Escalate', 1006);
    }
  }
  if (change.urgency !== undefined && change.urgency !== 'high' && change.urgency !== 'low') {
    return fail(400, 'Invalid Input Provided', 2001, ['Urgency is not included in the list']);
  }
  return null;
}

export function applyChange(
  state: State,
  incident: IncidentRec,
  change: IncidentChange,
  actor: Actor,
  via: Via,
): Result<IncidentRec> {
  const invalid = validateChange(state, incident, change);
  if (invalid) return invalid;
  const at = state.now();
  const touch = (): void => {
    incident.updatedAt = at;
  };
  if (change.title !== undefined) {
    incident.title = change.title;
    touch();
  }
  if (change.urgency !== undefined) {
    incident.urgency = change.urgency;
    touch();
  }
  if (change.priorityId !== undefined && change.priorityId !== incident.priorityId) {
    const from = incident.priorityId;
    incident.priorityId = change.priorityId;
    touch();
    record(
      state,
      'priority',
      incident,
      via,
      actor,
      { from, to: change.priorityId },
      'incident.priority_updated',
    );
  }
  if (change.escalationLevel !== undefined) {
    const ids = onCallUserIds(state, incident.escalationPolicyId, change.escalationLevel);
    const from = incident.escalationLevel;
    incident.escalationLevel = change.escalationLevel;
    incident.assignments = ids.map((userId) => ({ userId, at }));
    incident.assignedVia = 'escalation_policy';
    setStatus(incident, 'triggered', at, actor);
    record(
      state,
      'escalate',
      incident,
      via,
      actor,
      { from, to: change.escalationLevel, assignees: ids },
      'incident.escalated',
    );
  }
  if (change.assigneeIds !== undefined && change.assigneeIds.length > 0) {
    const from = incident.assignments.map((a) => a.userId);
    incident.assignments = change.assigneeIds.map((userId) => ({ userId, at }));
    incident.assignedVia = 'direct_assignment';
    // Reassigning hands the incident to someone new, so it needs acknowledging again.
    setStatus(incident, 'triggered', at, actor);
    record(
      state,
      'reassign',
      incident,
      via,
      actor,
      { from, to: change.assigneeIds },
      'incident.reassigned',
    );
  }
  if (change.status === 'acknowledged') {
    const ackBy = actor?.kind === 'user' ? actor.userId : null;
    incident.acknowledgements.push({ userId: ackBy, at });
    if (incident.status !== 'acknowledged') {
      setStatus(incident, 'acknowledged', at, actor);
      record(state, 'acknowledge', incident, via, actor, {}, 'incident.acknowledged');
    } else {
      touch();
    }
  }
  if (change.status === 'resolved') {
    if (change.resolution !== undefined && change.resolution !== '') {
      addNoteRecord(state, incident, change.resolution, actor);
    }
    setStatus(incident, 'resolved', at, actor);
    incident.resolvedAt = at;
    incident.assignments = [];
    record(
      state,
      'resolve',
      incident,
      via,
      actor,
      change.resolution === undefined ? {} : { resolution: change.resolution },
      'incident.resolved',
    );
  }
  return { ok: true, value: incident };
}

/** Models an acknowledgement timing out (there is no REST call for it). */
export function unacknowledge(state: State, incident: IncidentRec, via: Via): Result<IncidentRec> {
  if (incident.status !== 'acknowledged') {
    return fail(400, 'Incident is not Acknowledged', 1012);
  }
  const at = state.now();
  setStatus(incident, 'triggered', at, null);
  incident.assignments = onCallUserIds(
    state,
    incident.escalationPolicyId,
    incident.escalationLevel,
  ).map((userId) => ({ userId, at }));
  record(state, 'unacknowledge', incident, via, null, {}, 'incident.unacknowledged');
  return { ok: true, value: incident };
}

function setStatus(incident: IncidentRec, status: IncidentStatus, at: Date, actor: Actor): void {
  incident.status = status;
  incident.lastStatusChangeAt = at;
  incident.lastStatusChangeBy = actor;
  incident.updatedAt = at;
}

function addNoteRecord(
  state: State,
  incident: IncidentRec,
  content: string,
  actor: Actor,
): NoteRec {
  state.counters.note += 1;
  const note: NoteRec = {
    id: `PN${String(state.counters.note).padStart(5, '0')}`,
    userId: actor?.kind === 'user' ? actor.userId : null,
    content,
    createdAt: state.now(),
  };
  incident.notes.push(note);
  return note;
}

export function addNote(
  state: State,
  incident: IncidentRec,
  content: string,
  actor: Actor,
  via: Via,
): Result<NoteRec> {
  if (content.trim() === '')
    return fail(400, 'Invalid Input Provided', 2001, ['Content cannot be empty.']);
  const note = addNoteRecord(state, incident, content, actor);
  record(
    state,
    'annotate',
    incident,
    via,
    actor,
    { noteId: note.id, content },
    'incident.annotated',
    note.id,
  );
  return { ok: true, value: note };
}
