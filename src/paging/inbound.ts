import { type Incident, isOpen } from '../domain/incident.js';
import type { PagerDutyUpdate } from '../domain/paging-messages.js';
import { isAppError } from '../errors.js';
import { enqueueMessage } from '../incidents/effects.js';
import type { Actor } from '../incidents/events.js';
import type { AlertIntake } from '../incidents/intake.js';
import type { Incidents } from '../incidents/service.js';
import type { NormalizedAlert } from '../ingest/alert.js';
import type { PagerDutyEvent, PagerDutyIncident } from '../ingest/pagerduty-events.js';
import { claimDelivery } from '../store/deliveries.js';
import { getIncident } from '../store/incidents.js';
import {
  insertPage,
  openPagesOf,
  type PageRow,
  pageInFlightOn,
  pageOfPagerDutyIncident,
  pagerDutyAlert,
  pageWithIncidentKey,
  setPage,
} from '../store/paging.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueueOwnerLookup } from './effects.js';
import { type PagingPolicy, serviceForPagerDutyId, severityForPagerDuty } from './policy.js';

export interface InboundDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: PagingPolicy;
  intake: AlertIntake;
  incidents: Incidents;
}

export type InboundResult =
  | { outcome: 'duplicate' }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'applied'; incidentId: number; opened: boolean };

const PAGE_STATUS: Record<string, PageRow['status'] | undefined> = {
  triggered: 'triggered',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
};

/**
 * Follows PagerDuty into firebreak: each v3 webhook event is applied in one transaction with
 * the claim of its delivery id, so a replay changes nothing and a 2xx means it is on disk.
 * Changes made here carry actor source 'pagerduty', which the paging listener never sends back.
 */
export function createPagerDutyInbound(deps: InboundDeps) {
  const { store, now, policy } = deps;

  async function receive(event: PagerDutyEvent, deliveryId: string | null): Promise<InboundResult> {
    const at = now();
    const result = await store.tx(async (tx): Promise<InboundResult> => {
      const fresh =
        (await claimDelivery(tx, 'pagerduty', deliveryId ?? `event:${event.id}`, at)) &&
        (deliveryId === null || (await claimDelivery(tx, 'pagerduty', `event:${event.id}`, at)));
      if (!fresh) return { outcome: 'duplicate' };
      return await apply(tx, event, at);
    });
    deps.kick();
    return result;
  }

  async function apply(tx: Tx, event: PagerDutyEvent, at: Date): Promise<InboundResult> {
    let page = event.incidentId ? await linkedPage(tx, event) : undefined;
    let opened = false;
    if (!page && event.type === 'incident.triggered' && event.incident) {
      const service = serviceForPagerDutyId(policy, event.incident.service.id);
      if (service) {
        page = await openFromPagerDuty(tx, event, event.incident, service, at);
        opened = true;
      }
    }
    if (!page) {
      const reason = !event.incidentId
        ? `${event.type} is not about an incident`
        : event.type === 'incident.triggered'
          ? `PagerDuty service ${event.incident?.service.id ?? '?'} is not mapped in firebreak.yaml`
          : 'no firebreak incident follows this PagerDuty incident';
      await audit(tx, event, at, reason);
      return { outcome: 'ignored', reason };
    }
    await record(
      tx,
      {
        incidentId: page.incidentId,
        kind: 'pagerduty_event',
        at: event.occurredAt,
        actor: actorOf(event).id,
        source: 'pagerduty',
        payload: describe(event),
        dedupeKey: `pagerduty:${event.id}`,
      },
      at,
    );
    if (!opened) await update(tx, event, page, at);
    return { outcome: 'applied', incidentId: page.incidentId, opened };
  }

  /** The page this PagerDuty incident belongs to: by id, by incident key, or our page in flight. */
  async function linkedPage(tx: Tx, event: PagerDutyEvent): Promise<PageRow | undefined> {
    const pdId = event.incidentId ?? '';
    const byId = await pageOfPagerDutyIncident(tx, pdId);
    if (byId) return byId;
    const key = event.incident?.incidentKey;
    let found = key ? await pageWithIncidentKey(tx, key) : undefined;
    // Our trigger call is still waiting for its answer when PagerDuty's webhook about it arrives
    // (older payloads carry no incident_key): it is the page we are making on that service.
    if (!found && event.incident && event.type === 'incident.triggered') {
      found = await pageInFlightOn(tx, event.incident.service.id);
    }
    if (found && !found.pdIncidentId) {
      await setPage(tx, found.id, {
        pdIncidentId: pdId,
        htmlUrl: found.htmlUrl ?? event.incident?.htmlUrl ?? null,
        updatedAt: now(),
      });
      return { ...found, pdIncidentId: pdId };
    }
    return found;
  }

  /** PagerDuty paged first: the incident counts as an alert, through the same intake. */
  async function openFromPagerDuty(
    tx: Tx,
    event: PagerDutyEvent,
    incident: PagerDutyIncident,
    service: string,
    at: Date,
  ): Promise<PageRow> {
    const severity = severityForPagerDuty(
      policy,
      incident.priority?.name ?? null,
      incident.urgency,
    );
    const alert: NormalizedAlert = {
      source: 'pagerduty',
      key: incident.id,
      groupKey: null,
      status: 'firing',
      title: incident.title || `PagerDuty incident ${incident.number ?? incident.id}`,
      description: `PagerDuty incident #${incident.number ?? incident.id} on ${incident.service.name ?? incident.service.id}`,
      service,
      environment: null,
      severityLabel: severity,
      labels: { pagerduty_service: incident.service.id, urgency: incident.urgency ?? '' },
      annotations: {},
      url: incident.htmlUrl,
      startsAt: event.occurredAt,
      endsAt: null,
    };
    await deps.intake.applyBatch(tx, [alert], at);
    const incidentId = await alertIncident(tx, incident.id);
    const row = await insertPage(tx, {
      incidentId,
      service,
      pdServiceId: incident.service.id,
      pdIncidentId: incident.id,
      incidentKey: incident.incidentKey ?? `pagerduty:${incident.id}`,
      status: PAGE_STATUS[incident.status] ?? 'triggered',
      htmlUrl: incident.htmlUrl,
      origin: 'pagerduty',
      createdAt: at,
      updatedAt: at,
    });
    await record(
      tx,
      {
        incidentId,
        kind: 'page_triggered',
        at: event.occurredAt,
        actor: actorOf(event).id,
        source: 'pagerduty',
        payload: {
          origin: 'pagerduty',
          service,
          pdIncidentId: incident.id,
          htmlUrl: incident.htmlUrl,
        },
        dedupeKey: `page_triggered:${row.incidentKey}`,
      },
      at,
    );
    await tell(tx, incidentId, 'triggered', event, at);
    const assignee = incident.assignees[0];
    if (assignee && policy.restEnabled) {
      await enqueueOwnerLookup(
        tx,
        { incidentId, pdUserId: assignee.id, mode: 'unowned', reason: 'assigned' },
        at,
      );
    }
    return row;
  }

  async function alertIncident(tx: Tx, pdIncidentId: string): Promise<number> {
    const alert = await pagerDutyAlert(tx, pdIncidentId);
    if (!alert) throw new Error(`the intake kept no alert for PagerDuty incident ${pdIncidentId}`);
    return alert.incidentId;
  }

  async function update(tx: Tx, event: PagerDutyEvent, page: PageRow, at: Date) {
    const incident = await getIncident(tx, page.incidentId);
    const actor = actorOf(event);
    switch (event.type) {
      case 'incident.acknowledged': {
        if (page.status === 'acknowledged' || page.status === 'resolved') return;
        await setPage(tx, page.id, { status: 'acknowledged', updatedAt: at });
        if (isOpen(incident.state))
          await attempt(() =>
            deps.incidents.within(tx).acknowledge(incident.id, actor, event.occurredAt),
          );
        await tell(tx, incident.id, 'acknowledged', event, at);
        if (event.agent?.isUser && policy.restEnabled) {
          await enqueueOwnerLookup(
            tx,
            {
              incidentId: incident.id,
              pdUserId: event.agent.id,
              mode: 'unowned',
              reason: 'acknowledged',
            },
            at,
          );
        }
        return;
      }
      case 'incident.unacknowledged':
        if (page.status === 'acknowledged')
          await setPage(tx, page.id, { status: 'triggered', updatedAt: at });
        return;
      case 'incident.escalated':
      case 'incident.reassigned': {
        if (!isOpen(incident.state) || page.status === 'resolved') return;
        await tell(
          tx,
          incident.id,
          event.type === 'incident.escalated' ? 'escalated' : 'reassigned',
          event,
          at,
        );
        const assignee = event.incident?.assignees[0];
        if (assignee && policy.restEnabled) {
          await enqueueOwnerLookup(
            tx,
            { incidentId: incident.id, pdUserId: assignee.id, mode: 'assign', reason: 'assigned' },
            at,
          );
        }
        return;
      }
      case 'incident.resolved':
        await resolved(tx, event, page, incident, at);
        return;
      case 'incident.priority_updated': {
        const priority = event.incident?.priority?.name;
        const severity = priority ? policy.priorities[priority] : undefined;
        if (severity && isOpen(incident.state) && severity !== incident.severity)
          await attempt(() => deps.incidents.within(tx).setSeverity(incident.id, severity, actor));
        return;
      }
      default:
        // incident.triggered for a page we made, annotations, and types added later: the
        // timeline entry written above is all they need.
        return;
    }
  }

  async function resolved(
    tx: Tx,
    event: PagerDutyEvent,
    page: PageRow,
    incident: Incident,
    at: Date,
  ) {
    if (page.status === 'resolved') return; // our own resolve, coming back
    await setPage(tx, page.id, { status: 'resolved', updatedAt: at });
    if (page.origin === 'pagerduty' && event.incident) {
      await deps.intake.applyBatch(
        tx,
        [
          {
            source: 'pagerduty',
            key: event.incident.id,
            groupKey: null,
            status: 'resolved',
            title: event.incident.title,
            description: null,
            service: page.service,
            environment: incident.environment,
            severityLabel: null,
            labels: {},
            annotations: {},
            url: event.incident.htmlUrl,
            startsAt: null,
            endsAt: event.occurredAt,
          },
        ],
        at,
      );
    }
    if (!isOpen(incident.state)) return;
    const stillOpen = (await openPagesOf(tx, incident.id)).length;
    const autoResolved = policy.autoResolve && stillOpen === 0;
    if (autoResolved) {
      await attempt(() =>
        deps.incidents
          .within(tx)
          .resolve(incident.id, 'Resolved in PagerDuty.', actorOf(event), event.occurredAt),
      );
    }
    await tell(tx, incident.id, 'resolved', event, at, { openPages: stillOpen, autoResolved });
  }

  async function tell(
    tx: Tx,
    incidentId: number,
    update: PagerDutyUpdate,
    event: PagerDutyEvent,
    at: Date,
    extra: { openPages?: number; autoResolved?: boolean } = {},
  ) {
    await enqueueMessage(
      tx,
      incidentId,
      { kind: 'channel' },
      {
        type: 'pagerduty_update',
        event: update,
        pdIncidentId: event.incidentId ?? '',
        htmlUrl: event.incident?.htmlUrl ?? null,
        title: event.incident?.title ?? '',
        who: event.agent?.isUser ? (event.agent.name ?? event.agent.id) : null,
        assignees: (event.incident?.assignees ?? []).map((a) => a.name ?? a.id),
        openPages: extra.openPages ?? 0,
        autoResolved: extra.autoResolved ?? false,
      },
      at,
    );
  }

  /** Events that change nothing are still recorded, in the audit stream, so they can be found. */
  async function audit(tx: Tx, event: PagerDutyEvent, at: Date, reason: string) {
    await record(
      tx,
      {
        incidentId: null,
        kind: 'pagerduty_event',
        at: event.occurredAt,
        actor: actorOf(event).id,
        source: 'pagerduty',
        payload: { ...describe(event), ignored: reason },
        dedupeKey: `pagerduty:${event.id}`,
      },
      at,
    );
  }

  return { receive };
}

export type PagerDutyInbound = ReturnType<typeof createPagerDutyInbound>;

function actorOf(event: PagerDutyEvent): Actor {
  return { id: event.agent ? `pagerduty:${event.agent.id}` : 'pagerduty', source: 'pagerduty' };
}

function describe(event: PagerDutyEvent): Record<string, unknown> {
  return {
    eventId: event.id,
    type: event.type,
    pdIncidentId: event.incidentId,
    status: event.incident?.status ?? null,
    title: event.incident?.title ?? null,
    agent: event.agent?.name ?? event.agent?.id ?? null,
    assignees: event.incident?.assignees.map((a) => a.name ?? a.id) ?? [],
    priority: event.incident?.priority?.name ?? null,
    note: event.note,
  };
}

/**
 * The incident moved on in firebreak since (resolved here first, say): what PagerDuty says is
 * recorded, but a change the lifecycle refuses must not fail the whole delivery.
 */
async function attempt(change: () => Promise<unknown>): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (!isAppError(error)) throw error;
  }
}
