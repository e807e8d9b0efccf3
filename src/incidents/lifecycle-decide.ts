import {
  canMove,
  type Incident,
  incidentRef,
  isOpen,
  type OpenState,
  type Severity,
  severityRank,
} from '../domain/incident.js';
import { AppError } from '../errors.js';
import type { Actor } from './events.js';
import {
  type Changed,
  type Decision,
  type Entry,
  type LifecycleState,
  type Refused,
  refused,
  unchanged,
} from './lifecycle-decision.js';
import {
  type PermissionPolicy,
  refuseUnlessPrivileged,
  resolveIsGuarded,
} from './lifecycle-permissions.js';

export interface LifecyclePolicy extends PermissionPolicy {
  defaultEnvironment: string;
  reminders: Readonly<Partial<Record<Severity, number>>>;
  unownedReminderMs: number;
  /** After resolving, offer to archive the channel this long later (unset: no offer). */
  archiveAfterMs?: number;
}

/** Every change to an existing incident, as a value; `id` is the incident it is for. */
export type LifecycleCommand =
  /** `when`: the time it really happened, when it was elsewhere first (a PagerDuty acknowledge). */
  | { type: 'acknowledge'; id: number; actor: Actor; when?: Date }
  /** `announce: false` when the caller posts its own, richer message (PagerDuty's on-call lookup). */
  | { type: 'set_owner'; id: number; actor: Actor; ownerId: string; announce: boolean }
  | { type: 'set_severity'; id: number; actor: Actor; severity: Severity }
  | { type: 'set_state'; id: number; actor: Actor; state: OpenState }
  | { type: 'mitigate'; id: number; actor: Actor }
  /** `when`: the time it really happened, when it was elsewhere first (PagerDuty resolved it). */
  | { type: 'resolve'; id: number; actor: Actor; summary: string; when?: Date }
  | { type: 'reopen'; id: number; actor: Actor; reason: string }
  | { type: 'status_update'; id: number; actor: Actor; text: string }
  | { type: 'note'; id: number; actor: Actor; text: string }
  /** `services`: catalog names, already resolved from aliases. */
  | { type: 'add_services'; id: number; actor: Actor; services: readonly string[] };

/**
 * Decides one lifecycle command: the incident as read (null: there is no such incident), the
 * command, the policy and the time. Pure: the shell in service.ts carries the decision out.
 */
export function decideLifecycle(
  state: LifecycleState | null,
  command: LifecycleCommand,
  policy: LifecyclePolicy,
  at: Date,
): Decision {
  // The text is checked before the incident is looked for: an empty reason is the first thing to fix.
  const invalid = invalidText(command);
  if (invalid) return refused(invalid);
  if (!state) return refused(noSuchIncident(command.id));
  const { incident } = state;
  const { actor } = command;
  switch (command.type) {
    case 'acknowledge':
      return acknowledge(incident, actor, at, command.when);
    case 'set_owner': {
      const denied = refuseUnlessPrivileged(
        incident,
        actor,
        'change the owner of',
        incident.ownerId !== null && incident.ownerId !== command.ownerId,
        policy,
        at,
      );
      return denied ?? setOwner(incident, actor, at, command.ownerId, command.announce);
    }
    case 'set_severity': {
      const denied = refuseUnlessPrivileged(
        incident,
        actor,
        'lower the severity of',
        severityRank(command.severity) > severityRank(incident.severity),
        policy,
        at,
      );
      return denied ?? setSeverity(state, actor, at, command.severity, policy);
    }
    case 'set_state':
      return setState(incident, actor, at, command.state);
    case 'mitigate':
      return mitigate(incident, actor, at);
    case 'resolve': {
      const denied = refuseUnlessPrivileged(
        incident,
        actor,
        'resolve',
        resolveIsGuarded(incident),
        policy,
        at,
      );
      if (denied) return denied;
      if (!isOpen(incident.state)) return unchanged(incident); // resolving twice is one resolve
      return {
        type: 'resolve',
        incident,
        summary: command.summary,
        ...(command.when ? { when: command.when } : {}),
      };
    }
    case 'reopen': {
      const denied = refuseUnlessPrivileged(
        incident,
        actor,
        'reopen',
        !isOpen(incident.state) && incident.ownerId !== null,
        policy,
        at,
      );
      return denied ?? reopen(incident, actor, at, command.reason.trim(), policy);
    }
    case 'status_update':
      return statusUpdate(incident, actor, at, command.text.trim(), policy);
    case 'note': {
      const text = command.text.trim();
      return {
        type: 'changed',
        record: [entry('note', actor, at, { text })],
        after: [{ post: { type: 'note_added', by: actor.id, text }, announce: false }],
        publish: false, // a note is in the channel already; the card does not show notes
      };
    }
    case 'add_services':
      return addServices(incident, actor, at, command.services);
    default:
      return command satisfies never;
  }
}

/**
 * Refuses, with its audit entry, before a resolve form is shown to someone who may not resolve,
 * so nobody writes a summary only to be turned away. Null: they may.
 */
export function decideMayResolve(
  state: LifecycleState | null,
  id: number,
  actor: Actor,
  policy: PermissionPolicy,
  at: Date,
): Refused | null {
  if (!state) return refused(noSuchIncident(id));
  const { incident } = state;
  return refuseUnlessPrivileged(incident, actor, 'resolve', resolveIsGuarded(incident), policy, at);
}

/** The same words the store uses when an incident is read that does not exist. */
const noSuchIncident = (id: number) =>
  new AppError('not_found', `There is no incident ${incidentRef(id)}.`);

function invalidText(command: LifecycleCommand): AppError | null {
  switch (command.type) {
    case 'reopen':
      return command.reason.trim()
        ? null
        : new AppError('invalid', 'Say why the incident is reopened.');
    case 'status_update':
      return command.text.trim()
        ? null
        : new AppError('invalid', 'A status update needs some text.');
    case 'note':
      return command.text.trim() ? null : new AppError('invalid', 'A note needs some text.');
    default:
      return null;
  }
}

const notOpen = (incident: Incident): Refused | null =>
  isOpen(incident.state)
    ? null
    : refused(
        new AppError('conflict', `${incidentRef(incident.id)} is resolved. Reopen it first.`),
      );

const entry = (
  kind: Entry['kind'],
  actor: Actor,
  at: Date,
  payload: Record<string, unknown> = {},
): Entry => ({ kind, at, actor: actor.id, source: actor.source, payload });

/** When the next status update is due at this severity, counted from `at` (null: no reminders). */
export function reminderAt(
  severity: Severity,
  at: Date,
  policy: Pick<LifecyclePolicy, 'reminders'>,
): Date | null {
  const every = policy.reminders[severity];
  return every ? new Date(at.getTime() + every) : null;
}

function acknowledge(incident: Incident, actor: Actor, at: Date, when?: Date): Decision {
  const closed = notOpen(incident);
  if (closed) return closed;
  if (incident.acknowledgedAt && incident.state !== 'triage') {
    return unchanged(incident); // the first acknowledgement wins; a second click changes nothing
  }
  // Whoever acknowledges in Slack owns it, unless someone does already.
  const ownerId = incident.ownerId ?? (actor.source === 'slack' ? actor.id : null);
  const record: Entry[] = [entry('acknowledged', actor, when ?? at, { from: incident.state })];
  if (ownerId !== incident.ownerId) {
    record.push(entry('owner_changed', actor, at, { from: null, to: ownerId }));
  }
  return {
    type: 'changed',
    write: {
      acknowledgedAt: incident.acknowledgedAt ?? when ?? at,
      state: incident.state === 'triage' ? 'investigating' : incident.state,
      ownerId,
      ownerReminderAt: ownerId ? null : undefined,
      updatedAt: at,
    },
    record,
    after: [{ emit: { type: 'acknowledged' } }],
    publish: true,
  };
}

function setOwner(
  incident: Incident,
  actor: Actor,
  at: Date,
  ownerId: string,
  announce: boolean,
): Decision {
  const closed = notOpen(incident);
  if (closed) return closed;
  if (incident.ownerId === ownerId) return unchanged(incident);
  const from = incident.ownerId;
  return {
    type: 'changed',
    write: { ownerId, ownerReminderAt: null, updatedAt: at },
    record: [entry('owner_changed', actor, at, { from, to: ownerId })],
    after: [
      { emit: { type: 'owner_changed', from } },
      ...(announce
        ? [
            {
              post: { type: 'owner_changed' as const, by: actor.id, from, to: ownerId },
              announce: false,
            },
          ]
        : []),
    ],
    publish: true,
  };
}

function setSeverity(
  state: LifecycleState,
  actor: Actor,
  at: Date,
  severity: Severity,
  policy: LifecyclePolicy,
): Decision {
  const { incident } = state;
  const closed = notOpen(incident);
  if (closed) return closed;
  if (incident.severity === severity) return unchanged(incident);
  // A worse severity wants updates more often: bring the next reminder forward, never back.
  const due = reminderAt(severity, at, policy);
  const current = state.nextUpdateDueAt;
  const nextUpdateDueAt = due && (!current || due < current) ? due : undefined;
  const from = incident.severity;
  return {
    type: 'changed',
    write: { severity, nextUpdateDueAt, updatedAt: at },
    record: [entry('severity_changed', actor, at, { from, to: severity })],
    after: [
      { emit: { type: 'severity_changed', from } },
      { post: { type: 'severity_changed', from, to: severity, by: actor.id }, announce: true },
    ],
    publish: true,
  };
}

function setState(incident: Incident, actor: Actor, at: Date, to: OpenState): Decision {
  const closed = notOpen(incident);
  if (closed) return closed;
  if (incident.state === to) return unchanged(incident);
  if (!canMove(incident.state, to)) {
    return refused(
      new AppError(
        'invalid',
        `${incidentRef(incident.id)} cannot go from ${incident.state} back to ${to}.`,
      ),
    );
  }
  const from = incident.state;
  const mitigatesNow = to === 'monitoring' && !incident.mitigatedAt;
  return {
    type: 'changed',
    // Milestones follow the state, each set once: leaving triage acknowledges, monitoring mitigates.
    write: {
      state: to,
      acknowledgedAt: incident.acknowledgedAt ?? at,
      mitigatedAt: to === 'monitoring' ? (incident.mitigatedAt ?? at) : undefined,
      updatedAt: at,
    },
    record: [entry('state_changed', actor, at, { from, to })],
    after: [
      { emit: { type: 'state_changed', from } },
      { post: { type: 'state_changed', by: actor.id, from, to }, announce: false },
      ...(incident.acknowledgedAt ? [] : [{ emit: { type: 'acknowledged' as const } }]),
      ...(mitigatesNow ? [{ emit: { type: 'mitigated' as const } }] : []),
    ],
    publish: true,
  };
}

function mitigate(incident: Incident, actor: Actor, at: Date): Decision {
  const closed = notOpen(incident);
  if (closed) return closed;
  if (incident.mitigatedAt) return unchanged(incident);
  return {
    type: 'changed',
    write: {
      mitigatedAt: at,
      acknowledgedAt: incident.acknowledgedAt ?? at,
      state: 'monitoring',
      updatedAt: at,
    },
    record: [entry('mitigated', actor, at, { from: incident.state })],
    after: [{ emit: { type: 'mitigated' } }],
    publish: true,
  };
}

function reopen(
  incident: Incident,
  actor: Actor,
  at: Date,
  reason: string,
  policy: LifecyclePolicy,
): Decision {
  if (isOpen(incident.state)) {
    return refused(new AppError('conflict', `${incidentRef(incident.id)} is not resolved.`));
  }
  return {
    type: 'changed',
    write: {
      state: 'investigating',
      resolvedAt: null,
      nextUpdateDueAt: reminderAt(incident.severity, at, policy),
      updatedAt: at,
    },
    record: [
      entry('reopened', actor, at, { reason, resolvedAt: incident.resolvedAt?.toISOString() }),
    ],
    after: [
      { emit: { type: 'reopened', reason } },
      { post: { type: 'reopened', by: actor.id, reason }, announce: true },
    ],
    publish: true,
  };
}

/** A status update: posted in the channel and the announce channel; restarts the reminder clock. */
function statusUpdate(
  incident: Incident,
  actor: Actor,
  at: Date,
  text: string,
  policy: LifecyclePolicy,
): Decision {
  const closed = notOpen(incident);
  if (closed) return closed;
  return {
    type: 'changed',
    write: { nextUpdateDueAt: reminderAt(incident.severity, at, policy), updatedAt: at },
    record: [entry('status_update', actor, at, { text })],
    after: [{ post: { type: 'status_update', by: actor.id, text }, announce: true }],
    publish: true,
  };
}

/** Services can be added as the picture becomes clearer (alerts add theirs automatically). */
function addServices(
  incident: Incident,
  actor: Actor,
  at: Date,
  services: readonly string[],
): Changed {
  const added = [...new Set(services)].filter((s) => !incident.services.includes(s));
  return {
    type: 'changed',
    addServices: added,
    record: added.length
      ? [entry('note', actor, at, { text: `Services added: ${added.join(', ')}` })]
      : [],
    after: [],
    publish: true,
  };
}
