import type { Catalog } from '../catalog.js';
import {
  canMove,
  type Incident,
  incidentRef,
  isOpen,
  type OpenState,
  type Severity,
  severityRank,
} from '../domain/incident.js';
import type { ChatMessage } from '../domain/messages.js';
import { AppError } from '../errors.js';
import {
  addServices,
  findIncidentRow,
  getIncident,
  type IncidentChanges,
  updateIncident,
} from '../store/incidents.js';
import type { Db, Tx } from '../store/sqlite.js';
import { record, type TimelineKind } from '../timeline/timeline.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import type { Actor, IncidentEvent, IncidentListener } from './events.js';
import { openIncident } from './open.js';
import { resolveInTx } from './resolution.js';

export interface LifecyclePolicy {
  defaultEnvironment: string;
  reminders: Readonly<Partial<Record<Severity, number>>>;
  unownedReminderMs: number;
  /** Users and user groups allowed to change what only the owner may change. */
  deployers: readonly string[];
  commanders: readonly string[];
  /** After resolving, offer to archive the channel this long later (unset: no offer). */
  archiveAfterMs?: number;
}

export interface LifecycleDeps {
  db: Db;
  now: () => Date;
  catalog: Catalog;
  policy: LifecyclePolicy;
  kick: () => void;
  listeners?: readonly IncidentListener[];
}

export const TITLE_MAX = 150;

export interface DeclareInput {
  title: string;
  severity: Severity;
  services?: readonly string[];
  environment?: string;
  description?: string | null;
  /** The message a "Declare incident" shortcut was used on: the first timeline entry. */
  fromMessage?: { text: string; userId: string | null; permalink: string | null; at: Date } | null;
  /** Who commands it; the declarer when not given. */
  ownerId?: string | null;
}

/** The guarded actions, named for the "not allowed" message and the audit entry. */
type Guarded = 'change the owner of' | 'lower the severity of' | 'resolve' | 'reopen';

/**
 * The incident lifecycle: every change is validated here, committed with its timeline entry
 * and its outbox items in one synchronous transaction, then the outbox is kicked.
 */
export function createIncidents(deps: LifecycleDeps) {
  const { db, now, catalog, policy } = deps;

  const emit = (tx: Tx, event: IncidentEvent) => {
    for (const listener of deps.listeners ?? []) listener(tx, event);
  };

  /** The owner, and configured deployers/commanders (user ids or user-group ids), may act for the owner. */
  function isPrivileged(incident: Pick<Incident, 'ownerId'>, actor: Actor): boolean {
    if (actor.source !== 'slack') return true; // PagerDuty, the CLI and the bot itself are trusted doors
    if (incident.ownerId === actor.id) return true;
    const allowed = new Set([...policy.deployers, ...policy.commanders]);
    return allowed.has(actor.id) || (actor.groups ?? []).some((g) => allowed.has(g));
  }

  /**
   * Refuses with a clear message when `applies(incident)` and the actor is not privileged, and
   * leaves an audit entry that survives the refusal. Runs before the change's transaction.
   */
  function guard(
    id: number,
    actor: Actor,
    action: Guarded,
    applies: (incident: Incident) => boolean,
  ): void {
    const incident = getIncident(db, id);
    if (!applies(incident) || isPrivileged(incident, actor)) return;
    const at = now();
    db.transaction((tx) =>
      record(
        tx,
        {
          incidentId: incident.id,
          kind: 'permission_denied',
          at,
          actor: actor.id,
          source: actor.source,
          payload: { action },
        },
        at,
      ),
    );
    const owner = incident.ownerId ? `<@${incident.ownerId}>` : 'the owner';
    throw new AppError(
      'forbidden',
      `You are not allowed to ${action} ${incidentRef(incident.id)}. Ask ${owner} or a configured commander.`,
      { mentions: incident.ownerId ? [incident.ownerId] : [] },
    );
  }

  /** Runs one change: load, check, write, record, emit, publish; then wakes the outbox. */
  function change<T>(id: number, fn: (tx: Tx, incident: Incident, at: Date) => T): T {
    const at = now();
    const result = db.transaction((tx) => {
      const incident = getIncident(tx, id);
      const value = fn(tx, incident, at);
      enqueuePublish(tx, id, at);
      return value;
    });
    deps.kick();
    return result;
  }

  function write(tx: Tx, id: number, values: IncidentChanges, at: Date) {
    updateIncident(tx, id, { ...values, updatedAt: at });
  }

  function log(
    tx: Tx,
    incident: Incident,
    kind: TimelineKind,
    actor: Actor,
    at: Date,
    payload: Record<string, unknown> = {},
  ) {
    record(
      tx,
      { incidentId: incident.id, kind, at, actor: actor.id, source: actor.source, payload },
      at,
    );
  }

  const reminderAt = (severity: Severity, at: Date) => {
    const every = policy.reminders[severity];
    return every ? new Date(at.getTime() + every) : null;
  };

  function requireOpen(incident: Incident) {
    if (!isOpen(incident.state)) {
      throw new AppError('conflict', `${incidentRef(incident.id)} is resolved. Reopen it first.`);
    }
  }

  function post(tx: Tx, incident: Incident, message: ChatMessage, at: Date, announce = false) {
    enqueueMessage(tx, incident.id, { kind: 'channel' }, message, at);
    if (announce) enqueueMessage(tx, incident.id, { kind: 'announce' }, message, at);
  }

  function declare(input: DeclareInput, actor: Actor): Incident {
    const title = input.title.trim();
    if (!title) throw new AppError('invalid', 'An incident needs a title.');
    if (title.length > TITLE_MAX) {
      throw new AppError(
        'invalid',
        `The title is ${title.length} characters; keep it under ${TITLE_MAX}.`,
      );
    }
    const services = [...new Set((input.services ?? []).map((s) => catalog.resolve(s).service))];
    const ownerId =
      input.ownerId === undefined ? (actor.source === 'slack' ? actor.id : null) : input.ownerId;
    const at = now();
    const id = db.transaction((tx) => {
      const environment = input.environment?.trim().toLowerCase() || policy.defaultEnvironment;
      const created = openIncident(
        tx,
        {
          incident: {
            title,
            description: input.description?.trim() || null,
            severity: input.severity,
            state: 'investigating',
            ownerId,
            environment,
            source: 'declared',
            createdBy: actor.id,
            impactStartedAt: input.fromMessage?.at ?? null,
            detectedAt: at,
            declaredAt: at,
            acknowledgedAt: at, // a person declaring is a person on it
          },
          services,
          opened: {
            kind: 'incident_declared',
            actor: actor.id,
            source: actor.source,
            payload: { title, severity: input.severity, services, environment, ownerId },
          },
        },
        policy,
        at,
      );
      const incident = getIncident(tx, created);
      if (input.fromMessage) {
        record(
          tx,
          {
            incidentId: created,
            kind: 'note',
            at: input.fromMessage.at,
            actor: input.fromMessage.userId ?? actor.id,
            source: 'slack',
            payload: {
              text: input.fromMessage.text,
              permalink: input.fromMessage.permalink,
              declaredFrom: true,
            },
          },
          at,
        );
      }
      emit(tx, { type: 'opened', incident, actor, at });
      enqueuePublish(tx, created, at);
      return created;
    });
    deps.kick();
    return getIncident(db, id);
  }

  /** `when`: the time it really happened, when it was elsewhere first (a PagerDuty acknowledge). */
  function acknowledge(id: number, actor: Actor, when?: Date): Incident {
    return change(id, (tx, incident, at) => {
      requireOpen(incident);
      if (incident.acknowledgedAt && incident.state !== 'triage') {
        return incident; // the first acknowledgement wins; a second click changes nothing
      }
      const ownerId = incident.ownerId ?? (actor.source === 'slack' ? actor.id : null);
      write(
        tx,
        id,
        {
          acknowledgedAt: incident.acknowledgedAt ?? when ?? at,
          state: incident.state === 'triage' ? 'investigating' : incident.state,
          ownerId,
          ownerReminderAt: ownerId ? null : undefined,
        },
        at,
      );
      record(
        tx,
        {
          incidentId: id,
          kind: 'acknowledged',
          at: when ?? at,
          actor: actor.id,
          source: actor.source,
          payload: { from: incident.state },
        },
        at,
      );
      if (ownerId !== incident.ownerId)
        log(tx, incident, 'owner_changed', actor, at, { from: null, to: ownerId });
      const updated = getIncident(tx, id);
      emit(tx, { type: 'acknowledged', incident: updated, actor, at });
      return updated;
    });
  }

  /** `announce: false` when the caller posts its own, richer message (PagerDuty's on-call lookup). */
  function setOwner(id: number, ownerId: string, actor: Actor, { announce = true } = {}): Incident {
    guard(id, actor, 'change the owner of', (i) => i.ownerId !== null && i.ownerId !== ownerId);
    return change(id, (tx, incident, at) => {
      requireOpen(incident);
      if (incident.ownerId === ownerId) return incident;
      write(tx, id, { ownerId, ownerReminderAt: null }, at);
      log(tx, incident, 'owner_changed', actor, at, { from: incident.ownerId, to: ownerId });
      const updated = getIncident(tx, id);
      emit(tx, { type: 'owner_changed', incident: updated, actor, at, from: incident.ownerId });
      if (announce) {
        post(
          tx,
          updated,
          { type: 'owner_changed', by: actor.id, from: incident.ownerId, to: ownerId },
          at,
        );
      }
      return updated;
    });
  }

  function setSeverity(id: number, severity: Severity, actor: Actor): Incident {
    guard(
      id,
      actor,
      'lower the severity of',
      (i) => severityRank(severity) > severityRank(i.severity),
    );
    return change(id, (tx, incident, at) => {
      requireOpen(incident);
      if (incident.severity === severity) return incident;
      // A worse severity wants updates more often: bring the next reminder forward, never back.
      const due = reminderAt(severity, at);
      const current = findIncidentRow(tx, id)?.nextUpdateDueAt ?? null;
      const nextUpdateDueAt = due && (!current || due < current) ? due : undefined;
      write(tx, id, { severity, nextUpdateDueAt }, at);
      log(tx, incident, 'severity_changed', actor, at, { from: incident.severity, to: severity });
      const updated = getIncident(tx, id);
      emit(tx, { type: 'severity_changed', incident: updated, actor, at, from: incident.severity });
      post(
        tx,
        updated,
        { type: 'severity_changed', from: incident.severity, to: severity, by: actor.id },
        at,
        true,
      );
      return updated;
    });
  }

  function setState(id: number, state: OpenState, actor: Actor): Incident {
    return change(id, (tx, incident, at) => {
      requireOpen(incident);
      if (incident.state === state) return incident;
      if (!canMove(incident.state, state)) {
        throw new AppError(
          'invalid',
          `${incidentRef(id)} cannot go from ${incident.state} back to ${state}.`,
        );
      }
      // Milestones follow the state, each set once: leaving triage acknowledges, monitoring mitigates.
      write(
        tx,
        id,
        {
          state,
          acknowledgedAt: incident.acknowledgedAt ?? at,
          mitigatedAt: state === 'monitoring' ? (incident.mitigatedAt ?? at) : undefined,
        },
        at,
      );
      log(tx, incident, 'state_changed', actor, at, { from: incident.state, to: state });
      const updated = getIncident(tx, id);
      emit(tx, { type: 'state_changed', incident: updated, actor, at, from: incident.state });
      post(
        tx,
        updated,
        { type: 'state_changed', by: actor.id, from: incident.state, to: state },
        at,
      );
      if (!incident.acknowledgedAt)
        emit(tx, { type: 'acknowledged', incident: updated, actor, at });
      if (updated.mitigatedAt && !incident.mitigatedAt)
        emit(tx, { type: 'mitigated', incident: updated, actor, at });
      return updated;
    });
  }

  function markMitigated(id: number, actor: Actor): Incident {
    return change(id, (tx, incident, at) => {
      requireOpen(incident);
      if (incident.mitigatedAt) return incident;
      const state = incident.state === 'monitoring' ? incident.state : 'monitoring';
      write(tx, id, { mitigatedAt: at, acknowledgedAt: incident.acknowledgedAt ?? at, state }, at);
      log(tx, incident, 'mitigated', actor, at, { from: incident.state });
      const updated = getIncident(tx, id);
      emit(tx, { type: 'mitigated', incident: updated, actor, at });
      return updated;
    });
  }

  /** `when`: the time it really happened, when it was elsewhere first (PagerDuty resolved it). */
  function resolve(id: number, summary: string, actor: Actor, when?: Date): Incident {
    guard(id, actor, 'resolve', (i) => isOpen(i.state) && i.ownerId !== null);
    return change(id, (tx, incident, at) => {
      if (!isOpen(incident.state)) return incident; // resolving twice is one resolve
      return resolveInTx(tx, {
        incident,
        summary,
        actor,
        ...(when ? { when } : {}),
        at,
        emit,
        archiveAfterMs: policy.archiveAfterMs,
      });
    });
  }

  /**
   * Refuses (with the audit entry) before a resolve form is shown to someone who may not
   * resolve, so nobody writes a summary only to be turned away.
   */
  function assertMayResolve(id: number, actor: Actor): void {
    guard(id, actor, 'resolve', (i) => isOpen(i.state) && i.ownerId !== null);
  }

  function reopen(id: number, reason: string, actor: Actor): Incident {
    const why = reason.trim();
    if (!why) throw new AppError('invalid', 'Say why the incident is reopened.');
    guard(id, actor, 'reopen', (i) => !isOpen(i.state) && i.ownerId !== null);
    return change(id, (tx, incident, at) => {
      if (isOpen(incident.state))
        throw new AppError('conflict', `${incidentRef(id)} is not resolved.`);
      write(
        tx,
        id,
        {
          state: 'investigating',
          resolvedAt: null,
          nextUpdateDueAt: reminderAt(incident.severity, at),
        },
        at,
      );
      log(tx, incident, 'reopened', actor, at, {
        reason: why,
        resolvedAt: incident.resolvedAt?.toISOString(),
      });
      const updated = getIncident(tx, id);
      emit(tx, { type: 'reopened', incident: updated, actor, at, reason: why });
      post(tx, updated, { type: 'reopened', by: actor.id, reason: why }, at, true);
      return updated;
    });
  }

  /** A status update: posted in the channel and the announce channel; restarts the reminder clock. */
  function statusUpdate(id: number, text: string, actor: Actor): Incident {
    const update = text.trim();
    if (!update) throw new AppError('invalid', 'A status update needs some text.');
    return change(id, (tx, incident, at) => {
      requireOpen(incident);
      write(tx, id, { nextUpdateDueAt: reminderAt(incident.severity, at) }, at);
      log(tx, incident, 'status_update', actor, at, { text: update });
      post(tx, incident, { type: 'status_update', by: actor.id, text: update }, at, true);
      return getIncident(tx, id);
    });
  }

  function note(id: number, text: string, actor: Actor): Incident {
    const body = text.trim();
    if (!body) throw new AppError('invalid', 'A note needs some text.');
    const at = now();
    db.transaction((tx) => {
      const incident = getIncident(tx, id);
      log(tx, incident, 'note', actor, at, { text: body });
      enqueueMessage(
        tx,
        id,
        { kind: 'channel' },
        { type: 'note_added', by: actor.id, text: body },
        at,
      );
    });
    deps.kick();
    return getIncident(db, id);
  }

  /** Services can be added as the picture becomes clearer (alerts add theirs automatically). */
  function addServicesTo(id: number, services: readonly string[], actor: Actor): Incident {
    return change(id, (tx, incident, at) => {
      const added = addServices(
        tx,
        id,
        services.map((s) => catalog.resolve(s).service),
      );
      if (added.length)
        log(tx, incident, 'note', actor, at, { text: `Services added: ${added.join(', ')}` });
      return getIncident(tx, id);
    });
  }

  return {
    declare,
    acknowledge,
    setOwner,
    setSeverity,
    setState,
    markMitigated,
    resolve,
    assertMayResolve,
    reopen,
    statusUpdate,
    note,
    addServices: addServicesTo,
    isPrivileged: (id: number, actor: Actor) => {
      const row = findIncidentRow(db, id);
      return row ? isPrivileged(row, actor) : false;
    },
  };
}

export type Incidents = ReturnType<typeof createIncidents>;
