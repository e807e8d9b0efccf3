import type { Incident } from '../domain/incident.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import type { Tx } from '../store/unit-of-work.js';

/** Who did something, and through which door it came in. */
export interface Actor {
  /** A Slack user id, or a system name ("firebreak", "alertmanager", "pagerduty:PXXXXXX"). */
  id: string;
  /** Where the change came from: "slack", "pagerduty", "alertmanager", "api", "cli", "firebreak"… */
  source: string;
  /** Slack user groups (S…) the user belongs to, resolved by the edge, for permission checks. */
  groups?: readonly string[];
}

export const SYSTEM: Actor = { id: 'firebreak', source: 'firebreak' };

export type IncidentEvent =
  | { type: 'opened'; incident: Incident; actor: Actor; at: Date }
  | { type: 'acknowledged'; incident: Incident; actor: Actor; at: Date }
  | { type: 'owner_changed'; incident: Incident; actor: Actor; at: Date; from: string | null }
  | {
      type: 'severity_changed';
      incident: Incident;
      actor: Actor;
      at: Date;
      from: Incident['severity'];
    }
  | { type: 'state_changed'; incident: Incident; actor: Actor; at: Date; from: Incident['state'] }
  | { type: 'mitigated'; incident: Incident; actor: Actor; at: Date }
  | { type: 'resolved'; incident: Incident; actor: Actor; at: Date; summary: string }
  | { type: 'reopened'; incident: Incident; actor: Actor; at: Date; reason: string };

/**
 * Called inside the unit of work that made the change, after it, so a module can add its own
 * rows and outbox items atomically (PagerDuty acknowledges back, deploys compute suspects…).
 * A listener only reads and writes through `tx` and never calls the outside world: what it
 * wants done outside is an outbox item, carried out after the commit.
 */
export type IncidentListener = (tx: Tx, event: IncidentEvent) => Promise<void>;

/** One alert as the intake applied it, firing or resolved, first sighting or repeat. */
export interface AlertSeen {
  alert: NormalizedAlert;
  /** The incident it belongs to; null for a resolve of an alert never seen. */
  incidentId: number | null;
  at: Date;
}

/**
 * Called for every alert of every notification, inside the intake's unit of work (the same
 * contract as IncidentListener): deploys.freezeOnAlerts freezes and thaws here.
 */
export type AlertListener = (tx: Tx, seen: AlertSeen) => Promise<void>;

/**
 * Runs the listeners one after another, in the order they were registered, each awaited
 * before the next: they share one transaction, and a timeline chain must not fork.
 */
export async function emitEvent(
  listeners: readonly IncidentListener[],
  tx: Tx,
  event: IncidentEvent,
): Promise<void> {
  for (const listener of listeners) await listener(tx, event);
}

/**
 * Where modules register their reactions to incident events. The lifecycle and intake services
 * are built first and run `listeners` inside their transactions; modules built after them
 * (deploys, paging, postmortem) add theirs while the app is composed, before it starts.
 */
export interface IncidentEvents {
  on(listener: IncidentListener): void;
  /** In the order they were added; read by the services at each event. */
  readonly listeners: readonly IncidentListener[];
  onAlert(listener: AlertListener): void;
  /** Read by the alert intake for each alert it applies. */
  readonly alertListeners: readonly AlertListener[];
}

export function createIncidentEvents(): IncidentEvents {
  const listeners: IncidentListener[] = [];
  const alertListeners: AlertListener[] = [];
  return {
    on: (listener) => void listeners.push(listener),
    listeners,
    onAlert: (listener) => void alertListeners.push(listener),
    alertListeners,
  };
}
