import { type Severity, type State, severityFromLabel, severityRank } from '../domain/incident.js';
import type { ChatMessage } from '../domain/messages.js';
import type { TimelineInput } from '../domain/timeline.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import type { KnownAlert, NewFiringAlert } from '../store/intake.js';
import type { Opening } from './open.js';
import { STORM_GROUP_KEY, stormDescription, stormTitle } from './storm.js';

/**
 * What the alert intake decides, as pure functions of the rows the shell (intake.ts) read, the
 * alert, the policy and `at`: no database, no clock. The shell runs them in steps (the alert's
 * identity, then where a new alert goes, then the cuts, then whether the last alert resolved)
 * because each step's reads depend on the writes before it in the same batch, and because this
 * is the hot path: it reads only what the next decision needs.
 *
 * Nothing here refuses: the edges rejected malformed alerts already, and an alert the intake has
 * no use for (a resolved alert never seen firing) is a decision to do nothing, not an error.
 */

export interface IntakePolicy {
  defaultEnvironment: string;
  severityLabels: Readonly<Record<string, Severity>> | undefined;
  /** How long after opening until the first status update is due, per severity. */
  reminders: Readonly<Partial<Record<Severity, number>>>;
  /** Nag about a missing owner this long after an incident opens without one. */
  unownedReminderMs: number;
  autoResolve: boolean;
  /** After resolving, offer to archive the channel this long later (unset: no offer). */
  archiveAfterMs?: number;
  /**
   * At most this many incidents opened by alerts in any minute; past it, new groups are
   * gathered into one alert storm incident (unset: no cap).
   */
  maxNewPerMinute?: number;
}

/** A timeline entry for the incident the shell applies it to (it knows the id; for a new incident only after inserting it). */
export type IncidentEntry = Omit<TimelineInput, 'incidentId'>;

/** What an alert says about itself once the catalog has named its service. */
export interface AlertFacts {
  service: string | null;
  environment: string;
  severity: Severity;
}

export function alertFacts(
  alert: NormalizedAlert,
  service: string | null,
  policy: Pick<IntakePolicy, 'defaultEnvironment' | 'severityLabels'>,
): AlertFacts {
  return {
    service,
    environment: alert.environment?.toLowerCase() ?? policy.defaultEnvironment,
    severity: severityFromLabel(alert.severityLabel, policy.severityLabels),
  };
}

// ---------------------------------------------------------------------------------------------
// Step 1: the alert's identity. Have we seen it before?

/** The rows with this alert's identity: the one an open incident holds, else the latest one. */
export interface SeenBefore {
  open: KnownAlert | undefined;
  /** Read only when no open incident holds it. */
  latest: KnownAlert | undefined;
}

export type Sighting =
  /** A known alert seen again: update its row; `entry` when it re-fired or resolved (a change). */
  | {
      kind: 'seen';
      alert: KnownAlert;
      update: { status: NormalizedAlert['status']; startsAt: Date | null; endsAt: Date | null };
      entry: IncidentEntry | null;
    }
  /** A resolved alert we never saw firing has nothing to resolve. */
  | { kind: 'unknown' }
  /**
   * Still the same firing episode of an alert whose incident someone already resolved
   * (Alertmanager repeats firing alerts): only note that it was seen, open no second incident.
   */
  | { kind: 'repeat'; alert: KnownAlert }
  /** A new alert (or a new episode of an old one): it needs an incident, see decideArrival. */
  | { kind: 'new' };

export function decideSighting(seen: SeenBefore, alert: NormalizedAlert, at: Date): Sighting {
  const known = seen.open ?? (alert.status === 'resolved' ? seen.latest : undefined);
  if (known) return seenAgain(known, alert, at);
  if (alert.status === 'resolved') return { kind: 'unknown' };
  const previous = seen.latest;
  if (previous?.status === 'firing' && previous.startsAt?.getTime() === alert.startsAt?.getTime())
    return { kind: 'repeat', alert: previous };
  return { kind: 'new' };
}

function seenAgain(row: KnownAlert, alert: NormalizedAlert, at: Date): Sighting {
  const refired = alert.status === 'firing' && row.status === 'resolved';
  const resolved = alert.status === 'resolved' && row.status === 'firing';
  const update = {
    status: alert.status,
    endsAt: alert.endsAt,
    startsAt: refired ? alert.startsAt : row.startsAt,
  };
  if (!refired && !resolved) return { kind: 'seen', alert: row, update, entry: null };
  return {
    kind: 'seen',
    alert: row,
    update,
    entry: {
      kind: refired ? 'alert_firing' : 'alert_resolved',
      at: (refired ? alert.startsAt : alert.endsAt) ?? at,
      actor: alert.source,
      source: alert.source,
      payload: { key: alert.key, title: row.title, service: row.service, refired },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Step 2: a new alert joins an open incident or opens one.

/** An open incident a new alert could join, with the severity it has now. */
export interface Candidate {
  id: number;
  /** Undefined only if its row vanished between two reads of one transaction: left as it is. */
  severity: Severity | undefined;
}

export interface ArrivalState {
  /**
   * The open incident of the alert's group, else the storm incident its group was gathered
   * into, else the latest open incident of its service in its environment; null if none.
   */
  home: Candidate | null;
  /** Incidents opened by alerts in the last minute, the storm not counted (read when no home). */
  openedLastMinute: number;
  /** The open alert storm incident (read when no home). */
  storm: Candidate | null;
  /** The first owner of the alert's service in the catalog. */
  ownerId: string | null;
}

/** A more severe alert raises the incident's severity (the listeners hear `from`). */
export interface Escalation {
  severity: Severity;
  from: Severity;
  entry: IncidentEntry;
}

/** The alert's own row and its `alert_firing` entry, whichever incident it lands in. */
interface Landing {
  alert: Omit<NewFiringAlert, 'incidentId'>;
  entry: IncidentEntry;
}

export type Arrival =
  | (Landing & {
      kind: 'join';
      incidentId: number;
      escalation: Escalation | null;
      /** The alert's service, added to the incident's services if missing. */
      service: string | null;
    })
  | (Landing & {
      kind: 'open';
      opening: Opening;
      /** Posted where people watch for new incidents when the storm incident opens. */
      announce: ChatMessage | null;
    });

/** True when the incidents opened by alerts in the last minute reached the cap. */
export function overCap(openedLastMinute: number, policy: Pick<IntakePolicy, 'maxNewPerMinute'>) {
  const max = policy.maxNewPerMinute;
  return max !== undefined && openedLastMinute >= max;
}

export function decideArrival(
  state: ArrivalState,
  alert: NormalizedAlert,
  facts: AlertFacts,
  policy: Pick<IntakePolicy, 'maxNewPerMinute'>,
  at: Date,
): Arrival {
  const landing = landingOf(alert, facts, at);
  // A flood of new groups: gather them into the one storm incident rather than a channel each.
  const gathered = state.home === null && overCap(state.openedLastMinute, policy);
  const join = state.home ?? (gathered ? state.storm : null);
  if (join)
    return {
      kind: 'join',
      incidentId: join.id,
      escalation: escalation(join.severity, facts.severity, alert, at),
      service: facts.service,
      ...landing,
    };
  if (gathered) {
    const max = policy.maxNewPerMinute ?? 0;
    return {
      kind: 'open',
      opening: openingOf(alert, facts, state.ownerId, at, {
        title: stormTitle(max),
        description: stormDescription(max),
        groupKey: STORM_GROUP_KEY,
      }),
      // Say so where people watch for new incidents, not only in the storm's own channel.
      announce: { type: 'alert_storm', maxNewPerMinute: max },
      ...landing,
    };
  }
  return {
    kind: 'open',
    opening: openingOf(alert, facts, state.ownerId, at, null),
    announce: null,
    ...landing,
  };
}

/** A more severe alert raises the incident's severity; alerts never lower it. */
export function escalation(
  current: Severity | undefined,
  severity: Severity,
  alert: NormalizedAlert,
  at: Date,
): Escalation | null {
  if (current === undefined || severityRank(severity) >= severityRank(current)) return null;
  return {
    severity,
    from: current,
    entry: {
      kind: 'severity_changed',
      at,
      actor: alert.source,
      source: alert.source,
      payload: { from: current, to: severity, reason: `alert ${alert.title}` },
    },
  };
}

function landingOf(alert: NormalizedAlert, facts: AlertFacts, at: Date): Landing {
  const { service, environment, severity } = facts;
  return {
    alert: {
      source: alert.source,
      dedupeKey: alert.key,
      groupKey: alert.groupKey,
      title: alert.title,
      description: alert.description,
      service,
      environment,
      severity,
      labels: alert.labels,
      annotations: alert.annotations,
      url: alert.url,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      at,
    },
    entry: {
      kind: 'alert_firing',
      at: alert.startsAt ?? at,
      actor: alert.source,
      source: alert.source,
      payload: { key: alert.key, title: alert.title, service, severity, url: alert.url },
    },
  };
}

/** The incident an alert opens (src/incidents/open.ts inserts it), or the storm it opens. */
function openingOf(
  alert: NormalizedAlert,
  facts: AlertFacts,
  ownerId: string | null,
  at: Date,
  as: { title: string; description: string; groupKey: string } | null,
): Opening {
  const title = (as?.title ?? alert.title).slice(0, 200);
  const groupKey = as?.groupKey ?? alert.groupKey;
  const services = facts.service ? [facts.service] : [];
  return {
    incident: {
      title,
      description: as?.description ?? alert.description,
      severity: facts.severity,
      state: 'triage',
      ownerId,
      environment: facts.environment,
      source: 'alert',
      groupKey,
      impactStartedAt: alert.startsAt ?? at,
      detectedAt: at,
      declaredAt: at,
    },
    services,
    opened: {
      kind: 'incident_opened',
      actor: alert.source,
      source: alert.source,
      payload: {
        title,
        severity: facts.severity,
        state: 'triage',
        services,
        environment: facts.environment,
        ownerId,
        groupKey,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Step 3, after the batch: cuts, and the last firing alert resolving.

/** Records how many alerts the latest notification left out, when that changed. */
export function decideCut(
  lastCut: number,
  cut: number,
  source: NormalizedAlert['source'],
  at: Date,
): IncidentEntry | null {
  if (lastCut === cut) return null;
  return { kind: 'alerts_cut', at, actor: source, source, payload: { cut } };
}

/** True when alerts were firing before the batch and none is now: the last one resolved. */
export const lastAlertResolved = (firingBefore: number, firingNow: number): boolean =>
  firingBefore > 0 && firingNow === 0;

export interface Settlement {
  entry: IncidentEntry;
  /**
   * `resolve`: the same resolve as a person's (listeners, reminders stopped, the message with
   * the archive offer), which also says why, so no separate "every alert resolved" message.
   */
  followUp:
    | { kind: 'resolve'; summary: string; archiveAfterMs: number | undefined }
    | { kind: 'message'; message: ChatMessage };
}

/**
 * When the last firing alert of an incident resolved: say so in the channel, and resolve the
 * incident if configured. Nothing when it is resolved already (or gone).
 */
export function decideSettlement(
  state: { incident: State | undefined; alerts: number },
  policy: Pick<IntakePolicy, 'autoResolve' | 'archiveAfterMs'>,
  at: Date,
): Settlement | null {
  if (state.incident === undefined || state.incident === 'resolved') return null;
  const autoResolved = policy.autoResolve;
  const entry: IncidentEntry = {
    kind: 'alerts_all_resolved',
    at,
    actor: 'firebreak',
    source: 'firebreak',
    payload: { resolved: state.alerts, autoResolved },
  };
  if (autoResolved)
    return {
      entry,
      followUp: {
        kind: 'resolve',
        summary: 'Every alert resolved.',
        archiveAfterMs: policy.archiveAfterMs,
      },
    };
  return {
    entry,
    followUp: {
      kind: 'message',
      message: { type: 'alerts_all_resolved', firing: 0, resolved: state.alerts, autoResolved },
    },
  };
}
