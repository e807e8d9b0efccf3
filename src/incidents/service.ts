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
import { addMembers } from '../store/members.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { type DeclareInput, decideDeclare } from './declare-decide.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import { type Actor, emitEvent, type IncidentEvent, type IncidentListener } from './events.js';
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
  store: Store;
  now: () => Date;
  catalog: Catalog;
  policy: LifecyclePolicy;
  kick: () => void;
  listeners?: readonly IncidentListener[];
}

/** A command's result leaving its transaction: the incident, or the refusal to throw after commit. */
type Outcome = { incident: Incident } | Refused;

/**
 * The incident lifecycle's shell: each command reads the incident inside one unit of
 * work, asks the pure decision (lifecycle-decide.ts, declare-decide.ts) what to do, and
 * carries it out there: the row, its timeline entries, its outbox items, the listeners. After
 * the commit the outbox is kicked, or the refusal is thrown.
 */
export function createIncidents(deps: LifecycleDeps) {
  const { store, now, catalog, policy } = deps;

  const emit = (tx: Tx, event: IncidentEvent) => emitEvent(deps.listeners ?? [], tx, event);

  /** The incident and the reminder clock, from one read of its row; null when there is none. */
  async function readState(tx: Tx, id: number): Promise<LifecycleState | null> {
    const row = await findIncidentRow(tx, id);
    if (!row) return null;
    return {
      incident: toIncident(row, await servicesOf(tx, id)),
      nextUpdateDueAt: row.nextUpdateDueAt,
    };
  }

  const recordAbout = (tx: Tx, incidentId: number, entry: Entry, at: Date) =>
    record(tx, { incidentId, ...entry }, at);

  /** One command inside a unit of work: read → decide → apply. */
  async function apply(tx: Tx, command: LifecycleCommand, at: Date): Promise<Outcome> {
    const { id, actor } = command;
    const state = await readState(tx, id);
    const decision = decideLifecycle(state, command, policy, at);
    switch (decision.type) {
      case 'refused':
        // The audit entry of a permission refusal is kept: this transaction commits it.
        if (decision.audit) await recordAbout(tx, id, decision.audit, at);
        return decision;
      case 'unchanged':
        await enqueuePublish(tx, id, at); // a repeat still refreshes the card
        return { incident: decision.incident };
      case 'resolve': {
        const resolved = await resolveInTx(tx, {
          incident: decision.incident,
          summary: decision.summary,
          actor,
          ...(decision.when ? { when: decision.when } : {}),
          at,
          emit,
          archiveAfterMs: policy.archiveAfterMs,
        });
        await enqueuePublish(tx, id, at);
        return { incident: resolved };
      }
      case 'changed': {
        if (decision.write) await updateIncident(tx, id, decision.write);
        if (decision.addServices?.length) await addServices(tx, id, decision.addServices);
        for (const entry of decision.record) await recordAbout(tx, id, entry, at);
        const updated = await getIncident(tx, id);
        for (const step of decision.after) await carryOut(tx, updated, step, actor, at);
        if (decision.publish) await enqueuePublish(tx, id, at);
        return { incident: updated };
      }
      default:
        return decision satisfies never;
    }
  }

  /** Runs one command in its own unit of work; then kicks the outbox, or throws the refusal. */
  async function run(command: LifecycleCommand): Promise<Incident> {
    const outcome = await store.tx((tx) => apply(tx, command, now()));
    if ('error' in outcome) throw outcome.error;
    deps.kick();
    return outcome.incident;
  }

  /**
   * Runs one command inside a unit of work the caller holds (a PagerDuty webhook, an owner
   * lookup), in a savepoint: a refusal undoes only the command's own writes (its audit entry
   * stays) and is thrown to the caller, who commits and kicks the outbox.
   */
  function within(tx: Tx) {
    return async (command: LifecycleCommand): Promise<Incident> => {
      const outcome = await store.savepoint(tx, (inner) => apply(inner, command, now()));
      if ('error' in outcome) throw outcome.error;
      return outcome.incident;
    };
  }

  /** The commands, carried out by `exec`: in their own unit of work, or within the caller's. */
  function commands(exec: (command: LifecycleCommand) => Promise<Incident>) {
    return {
      acknowledge: (id: number, actor: Actor, when?: Date) =>
        exec({ type: 'acknowledge', id, actor, ...(when ? { when } : {}) }),
      setOwner: (id: number, ownerId: string, actor: Actor, { announce = true } = {}) =>
        exec({ type: 'set_owner', id, actor, ownerId, announce }),
      setSeverity: (id: number, severity: Severity, actor: Actor) =>
        exec({ type: 'set_severity', id, actor, severity }),
      setState: (id: number, state: OpenState, actor: Actor) =>
        exec({ type: 'set_state', id, actor, state }),
      markMitigated: (id: number, actor: Actor) => exec({ type: 'mitigate', id, actor }),
      resolve: (id: number, summary: string, actor: Actor, when?: Date) =>
        exec({ type: 'resolve', id, actor, summary, ...(when ? { when } : {}) }),
      reopen: (id: number, reason: string, actor: Actor) =>
        exec({ type: 'reopen', id, actor, reason }),
      statusUpdate: (id: number, text: string, actor: Actor) =>
        exec({ type: 'status_update', id, actor, text }),
      note: (id: number, text: string, actor: Actor) => exec({ type: 'note', id, actor, text }),
      /** Services can be added as the picture becomes clearer (alerts add theirs automatically). */
      addServices: (id: number, services: readonly string[], actor: Actor) =>
        exec({
          type: 'add_services',
          id,
          actor,
          services: services.map((s) => catalog.resolve(s).service),
        }),
    };
  }

  async function carryOut(tx: Tx, incident: Incident, step: Step, actor: Actor, at: Date) {
    if ('emit' in step) {
      await emit(tx, { ...step.emit, incident, actor, at });
    } else {
      await enqueueMessage(tx, incident.id, { kind: 'channel' }, step.post, at);
      if (step.announce) await enqueueMessage(tx, incident.id, { kind: 'announce' }, step.post, at);
    }
  }

  async function declare(input: DeclareInput, actor: Actor): Promise<Incident> {
    const services = (input.services ?? []).map((s) => catalog.resolve(s).service);
    const at = now();
    const decision = decideDeclare(input, services, actor, policy, at);
    if (decision.type === 'refused') throw decision.error;
    const id = await store.tx(async (tx) => {
      const created = await openIncident(tx, decision.opening, policy, at);
      // Who declared it and who owns it see it at once, before Slack has made the channel.
      const people = [
        actor.source === 'slack' ? actor.id : null,
        decision.opening.incident.ownerId,
      ];
      await addMembers(
        tx,
        created,
        people.filter((p): p is string => Boolean(p)),
        at,
      );
      if (decision.fromMessage) await recordAbout(tx, created, decision.fromMessage, at);
      await emit(tx, { type: 'opened', incident: await getIncident(tx, created), actor, at });
      await enqueuePublish(tx, created, at);
      return created;
    });
    deps.kick();
    return await store.read((tx) => getIncident(tx, id));
  }

  /**
   * Refuses (with the audit entry) before a resolve form is shown to someone who may not
   * resolve, so nobody writes a summary only to be turned away.
   */
  async function assertMayResolve(id: number, actor: Actor): Promise<void> {
    const at = now();
    const refusal = await store.tx(async (tx) => {
      const denied = decideMayResolve(await readState(tx, id), id, actor, policy, at);
      if (denied?.audit) await recordAbout(tx, id, denied.audit, at);
      return denied;
    });
    if (refusal) throw refusal.error;
  }

  return {
    declare,
    ...commands(run),
    /** The same commands inside the caller's unit of work (see `within`). */
    within: (tx: Tx) => commands(within(tx)),
    assertMayResolve,
    isPrivileged: async (id: number, actor: Actor) => {
      const row = await store.read((tx) => findIncidentRow(tx, id));
      return row ? isPrivileged(row, actor, policy) : false;
    },
  };
}

export type Incidents = ReturnType<typeof createIncidents>;
