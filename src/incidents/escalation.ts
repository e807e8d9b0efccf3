import type { EscalationCall } from '../domain/escalation-messages.js';
import { type Incident, isOpen } from '../domain/incident.js';
import { escalationsDue, setEscalationDueAt } from '../store/escalation.js';
import { getIncident } from '../store/incidents.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueueMessage, enqueuePublish } from './effects.js';
import {
  dueTierIndexes,
  type EscalationPolicy,
  nextDueAt,
  pagedServices,
  recipientsOf,
  tiersFor,
} from './escalation-decide.js';
import { enqueueEscalationDm } from './escalation-effects.js';
import type { IncidentListener } from './events.js';

export interface EscalationDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: EscalationPolicy;
  /** Configured owners of a service (user and user-group ids). */
  ownersOf: (service: string) => readonly string[];
  /** The service pages through PagerDuty (it is mapped there and PagerDuty is configured). */
  pagesThroughPagerDuty: (service: string) => boolean;
}

export interface EscalationSweep {
  /** `INC-id:tier` of every tier called out by this sweep. */
  called: string[];
  /** Incidents found to be PagerDuty's by this sweep (a service was added since they opened). */
  deferred: number[];
}

/**
 * Escalation tiers while nobody acknowledges. The next tier's due time lives on the incident
 * row; a sweep calls out what is due and moves the due time on in the same unit of work that
 * enqueues the messages, and each call-out is a timeline entry with its own dedupe key: so a
 * restart loses none and two sweeps at once call each tier out once.
 */
export function createEscalation(deps: EscalationDeps) {
  const { store, now, policy } = deps;
  const openedAt = (incident: Incident) => incident.declaredAt;

  /** Starts (or restarts, after a severity change) the clock of an unacknowledged incident. */
  const listener: IncidentListener = async (tx, event) => {
    const { incident } = event;
    switch (event.type) {
      case 'opened':
      case 'severity_changed':
      case 'reopened': {
        const tiers = tiersFor(policy, incident.severity);
        const waiting = isOpen(incident.state) && !incident.acknowledgedAt && tiers.length > 0;
        // PagerDuty's services are said to be PagerDuty's at once, so the card never promises
        // a call-out firebreak will not make.
        if (waiting && (await deferToPagerDuty(tx, incident, event.at))) return;
        await setEscalationDueAt(
          tx,
          incident.id,
          waiting ? nextDueAt(tiers, openedAt(incident), null) : null,
        );
        return;
      }
      case 'acknowledged':
      case 'resolved':
        await setEscalationDueAt(tx, incident.id, null);
        return;
      default:
        return;
    }
  };

  /**
   * PagerDuty's escalation policy escalates the services that page through it: firebreak says
   * so once (timeline and channel) and stops its own clock. False when no service does.
   */
  async function deferToPagerDuty(tx: Tx, incident: Incident, at: Date): Promise<boolean> {
    const paged = pagedServices(incident.services, deps.pagesThroughPagerDuty);
    if (paged.length === 0) return false;
    await setEscalationDueAt(tx, incident.id, null);
    const recorded = await record(
      tx,
      {
        incidentId: incident.id,
        kind: 'escalation_deferred',
        at,
        actor: 'firebreak',
        source: 'firebreak',
        payload: { services: paged },
        dedupeKey: 'escalation:pagerduty',
      },
      at,
    );
    if (recorded) {
      // Inside the unit of work that opens the incident, its publish may not be queued yet: a
      // message ahead of it in the lane would wait for a channel that is never made.
      await enqueuePublish(tx, incident.id, at, { background: true });
      await enqueueMessage(
        tx,
        incident.id,
        { kind: 'channel' },
        { type: 'escalation_deferred', services: paged },
        at,
      );
    }
    return true;
  }

  async function sweep(): Promise<EscalationSweep> {
    const at = now();
    const result = await store.tx(async (tx) => {
      const out: EscalationSweep = { called: [], deferred: [] };
      for (const id of await escalationsDue(tx, at)) await escalate(tx, id, at, out);
      return out;
    });
    if (result.called.length + result.deferred.length > 0) deps.kick();
    return result;
  }

  async function escalate(tx: Tx, id: number, at: Date, out: EscalationSweep): Promise<void> {
    const incident = await getIncident(tx, id);
    if (await deferToPagerDuty(tx, incident, at)) {
      out.deferred.push(id);
      return;
    }
    const tiers = tiersFor(policy, incident.severity);
    const ownersOfServices = [...new Set(incident.services.flatMap((s) => deps.ownersOf(s)))];
    for (const i of dueTierIndexes(tiers, openedAt(incident), at)) {
      const tier = tiers[i];
      if (!tier) continue;
      const who = recipientsOf(tier, { services: ownersOfServices, incident: incident.ownerId });
      const call: EscalationCall = {
        severity: incident.severity,
        tier: i + 1,
        of: tiers.length,
        afterMs: tier.afterMs,
        ...who,
      };
      const recorded = await record(
        tx,
        {
          incidentId: id,
          kind: 'escalation_called',
          at,
          actor: 'firebreak',
          source: 'firebreak',
          payload: { ...call, notify: [...tier.notify] },
          // Per severity: raising the severity starts that severity's tiers.
          dedupeKey: `escalation:${incident.severity}:${i}`,
        },
        at,
      );
      if (!recorded) continue;
      await enqueueMessage(tx, id, { kind: 'channel' }, { type: 'escalation_called', ...call }, at);
      for (const user of who.users) await enqueueEscalationDm(tx, id, user, call, at);
      out.called.push(`INC-${id}:${i + 1}`);
    }
    await setEscalationDueAt(tx, id, nextDueAt(tiers, openedAt(incident), at));
  }

  return { listener, sweep };
}

export type Escalation = ReturnType<typeof createEscalation>;
