import type { Catalog } from '../catalog.js';
import type { Incident, OpenState, Severity } from '../domain/incident.js';
import {
  addServices,
  findIncidentRow,
  getIncident,
  servicesOf,
  toIncident,
  updateIncident,
} from '../store/incidents.js';
import type { Db, Tx } from '../store/sqlite.js';
import { record } from '../timeline/timeline.js';
import { type DeclareInput, decideDeclare } from './declare-decide.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import type { Actor, IncidentEvent, IncidentListener } from './events.js';
import {
  decideLifecycle,
  decideMayResolve,
  type LifecycleCommand,
  type LifecyclePolicy,
} from './lifecycle-decide.js';
import type { Entry, LifecycleState, Refused, Step } from './lifecycle-decision.js';
import { isPrivileged } from './lifecycle-permissions.js';
import { openIncident } from './open.js';
import { resolveInTx } from './resolution.js';

export { type DeclareInput, TITLE_MAX } from './declare-decide.js';
export type { LifecyclePolicy } from './lifecycle-decide.js';

export interface LifecycleDeps {
  db: Db;
  now: () => Date;
  catalog: Catalog;
  policy: LifecyclePolicy;
  kick: () => void;
  listeners?: readonly IncidentListener[];
}

/** A command's result leaving its transaction: the incident, or the refusal to throw after commit. */
type Outcome = { incident: Incident } | Refused;

/**
 * The incident lifecycle's shell: each command reads the incident inside one synchronous
 * transaction, asks the pure decision (lifecycle-decide.ts, declare-decide.ts) what to do, and
 * carries it out there: the row, its timeline entries, its outbox items, the listeners. After
 * the commit the outbox is kicked, or the refusal is thrown.
 */
export function createIncidents(deps: LifecycleDeps) {
  const { db, now, catalog, policy } = deps;

  const emit = (tx: Tx, event: IncidentEvent) => {
    for (const listener of deps.listeners ?? []) listener(tx, event);
  };

  /** The incident and the reminder clock, from one read of its row; null when there is none. */
  function readState(tx: Tx, id: number): LifecycleState | null {
    const row = findIncidentRow(tx, id);
    if (!row) return null;
    return { incident: toIncident(row, servicesOf(tx, id)), nextUpdateDueAt: row.nextUpdateDueAt };
  }

  const recordAbout = (tx: Tx, incidentId: number, entry: Entry, at: Date) =>
    record(tx, { incidentId, ...entry }, at);

  /** Runs one command: read → decide → apply, in one transaction; then kicks the outbox. */
  function run(command: LifecycleCommand): Incident {
    const { id, actor } = command;
    const at = now();
    const outcome = db.transaction((tx): Outcome => {
      const state = readState(tx, id);
      const decision = decideLifecycle(state, command, policy, at);
      switch (decision.type) {
        case 'refused':
          // The audit entry of a permission refusal is kept: this transaction commits it.
          if (decision.audit) recordAbout(tx, id, decision.audit, at);
          return decision;
        case 'unchanged':
          enqueuePublish(tx, id, at); // a repeat still refreshes the card
          return { incident: decision.incident };
        case 'resolve': {
          const resolved = resolveInTx(tx, {
            incident: decision.incident,
            summary: decision.summary,
            actor,
            ...(decision.when ? { when: decision.when } : {}),
            at,
            emit,
            archiveAfterMs: policy.archiveAfterMs,
          });
          enqueuePublish(tx, id, at);
          return { incident: resolved };
        }
        case 'changed': {
          if (decision.write) updateIncident(tx, id, decision.write);
          if (decision.addServices?.length) addServices(tx, id, decision.addServices);
          for (const entry of decision.record) recordAbout(tx, id, entry, at);
          const updated = getIncident(tx, id);
          for (const step of decision.after) carryOut(tx, updated, step, actor, at);
          if (decision.publish) enqueuePublish(tx, id, at);
          return { incident: updated };
        }
        default:
          return decision satisfies never;
      }
    });
    if ('error' in outcome) throw outcome.error;
    deps.kick();
    return outcome.incident;
  }

  function carryOut(tx: Tx, incident: Incident, step: Step, actor: Actor, at: Date) {
    if ('emit' in step) {
      emit(tx, { ...step.emit, incident, actor, at });
    } else {
      enqueueMessage(tx, incident.id, { kind: 'channel' }, step.post, at);
      if (step.announce) enqueueMessage(tx, incident.id, { kind: 'announce' }, step.post, at);
    }
  }

  function declare(input: DeclareInput, actor: Actor): Incident {
    const services = (input.services ?? []).map((s) => catalog.resolve(s).service);
    const at = now();
    const decision = decideDeclare(input, services, actor, policy, at);
    if (decision.type === 'refused') throw decision.error;
    const id = db.transaction((tx) => {
      const created = openIncident(tx, decision.opening, policy, at);
      if (decision.fromMessage) recordAbout(tx, created, decision.fromMessage, at);
      emit(tx, { type: 'opened', incident: getIncident(tx, created), actor, at });
      enqueuePublish(tx, created, at);
      return created;
    });
    deps.kick();
    return getIncident(db, id);
  }

  /**
   * Refuses (with the audit entry) before a resolve form is shown to someone who may not
   * resolve, so nobody writes a summary only to be turned away.
   */
  function assertMayResolve(id: number, actor: Actor): void {
    const at = now();
    const refusal = db.transaction((tx) => {
      const denied = decideMayResolve(readState(tx, id), id, actor, policy, at);
      if (denied?.audit) recordAbout(tx, id, denied.audit, at);
      return denied;
    });
    if (refusal) throw refusal.error;
  }

  return {
    declare,
    acknowledge: (id: number, actor: Actor, when?: Date) =>
      run({ type: 'acknowledge', id, actor, ...(when ? { when } : {}) }),
    setOwner: (id: number, ownerId: string, actor: Actor, { announce = true } = {}) =>
      run({ type: 'set_owner', id, actor, ownerId, announce }),
    setSeverity: (id: number, severity: Severity, actor: Actor) =>
      run({ type: 'set_severity', id, actor, severity }),
    setState: (id: number, state: OpenState, actor: Actor) =>
      run({ type: 'set_state', id, actor, state }),
    markMitigated: (id: number, actor: Actor) => run({ type: 'mitigate', id, actor }),
    resolve: (id: number, summary: string, actor: Actor, when?: Date) =>
      run({ type: 'resolve', id, actor, summary, ...(when ? { when } : {}) }),
    assertMayResolve,
    reopen: (id: number, reason: string, actor: Actor) =>
      run({ type: 'reopen', id, actor, reason }),
    statusUpdate: (id: number, text: string, actor: Actor) =>
      run({ type: 'status_update', id, actor, text }),
    note: (id: number, text: string, actor: Actor) => run({ type: 'note', id, actor, text }),
    /** Services can be added as the picture becomes clearer (alerts add theirs automatically). */
    addServices: (id: number, services: readonly string[], actor: Actor) =>
      run({
        type: 'add_services',
        id,
        actor,
        services: services.map((s) => catalog.resolve(s).service),
      }),
    isPrivileged: (id: number, actor: Actor) => {
      const row = findIncidentRow(db, id);
      return row ? isPrivileged(row, actor, policy) : false;
    },
  };
}

export type Incidents = ReturnType<typeof createIncidents>;
