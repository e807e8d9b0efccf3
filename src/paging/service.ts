import type { Catalog } from '../catalog.js';
import { type Incident, incidentRef, isOpen } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { enqueueMessage, enqueuePublish } from '../incidents/effects.js';
import type { Actor, IncidentListener } from '../incidents/events.js';
import { getIncident } from '../store/incidents.js';
import {
  insertPage,
  latestPage,
  OPEN_PAGE_STATUSES,
  openPagesOf,
  type PageRow,
  pagesOf,
  setPage,
} from '../store/paging.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { enqueueOwnerLookup, enqueuePagerCall } from './effects.js';
import {
  mappingOf,
  OFF_HELP,
  type PagingPolicy,
  pageableServices,
  pageMode,
  urgencyFor,
} from './policy.js';

export interface PagingDeps {
  store: Store;
  now: () => Date;
  catalog: Catalog;
  policy: PagingPolicy;
  kick: () => void;
}

export interface AlreadyPaged {
  service: string;
  status: PageRow['status'];
  pdIncidentId: string | null;
  htmlUrl: string | null;
}

export interface PageOutcome {
  incidentId: number;
  /** Services paged now (the channel is told; the call goes out through the outbox). */
  requested: string[];
  /** Services with a page still open: a second click pages nothing new. */
  alreadyPaged: AlreadyPaged[];
}

const isOpenPage = (page: PageRow) =>
  (OPEN_PAGE_STATUSES as readonly string[]).includes(page.status);

/**
 * Decides what to page and records it; the PagerDuty calls themselves go out after commit
 * through the outbox (src/paging/delivery.ts). Also the listener that sends firebreak's own
 * acknowledge and resolve to PagerDuty — never the changes that came from PagerDuty.
 */
export function createPaging(deps: PagingDeps) {
  const { store, now, catalog, policy } = deps;

  function targetsFor(incident: Incident, service: string | null): string[] {
    const configured = pageableServices(policy);
    if (configured.length === 0) throw new AppError('unavailable', OFF_HELP);
    if (service) {
      const name = catalog.resolve(service).service;
      if (pageMode(policy, name)) return [name];
      const why =
        mappingOf(policy, name)?.serviceId && !policy.restEnabled
          ? `\`${name}\` is mapped to a PagerDuty service, but PAGERDUTY_TOKEN is not set.`
          : `\`${name}\` has no PagerDuty mapping (firebreak.yaml \`services.${name}.pagerduty\`).`;
      throw new AppError('invalid', `${why} Services that can be paged: ${configured.join(', ')}.`);
    }
    const mapped = incident.services.filter((s) => pageMode(policy, s));
    if (mapped.length > 0) return mapped;
    const services = incident.services.length
      ? `${incidentRef(incident.id)}'s services (${incident.services.join(', ')}) have`
      : `${incidentRef(incident.id)} has no services yet, so it has`;
    throw new AppError(
      'invalid',
      `${services} no PagerDuty mapping. Use \`/incident page <service>\` with one of: ${configured.join(', ')}.`,
    );
  }

  /** Pages the on-call of the incident's services (or of `service`). Safe to click twice. */
  async function page(
    incidentId: number,
    service: string | null,
    actor: Actor,
  ): Promise<PageOutcome> {
    const incident = await store.read((tx) => getIncident(tx, incidentId));
    if (!isOpen(incident.state))
      throw new AppError(
        'conflict',
        `${incidentRef(incidentId)} is resolved; there is nobody to page.`,
      );
    const targets = targetsFor(incident, service);
    const at = now();
    const outcome = await store.tx(async (tx) => {
      const result: PageOutcome = { incidentId, requested: [], alreadyPaged: [] };
      for (const target of targets) {
        const previous = await latestPage(tx, incidentId, target);
        if (previous && isOpenPage(previous)) {
          result.alreadyPaged.push({
            service: target,
            status: previous.status,
            pdIncidentId: previous.pdIncidentId,
            htmlUrl: previous.htmlUrl,
          });
          continue;
        }
        await requestPage(tx, incident, target, previous, actor, at);
        result.requested.push(target);
      }
      if (result.requested.length > 0) await enqueuePublish(tx, incidentId, at);
      return result;
    });
    if (outcome.requested.length > 0) deps.kick();
    return outcome;
  }

  async function requestPage(
    tx: Tx,
    incident: Incident,
    service: string,
    previous: PageRow | undefined,
    actor: Actor,
    at: Date,
  ) {
    const mapping = mappingOf(policy, service);
    let row: PageRow;
    if (previous?.status === 'failed' && previous.origin === 'firebreak') {
      // Trying again after a failure keeps the incident key, so PagerDuty still dedupes.
      await setPage(tx, previous.id, { status: 'requested', requestedBy: actor.id, updatedAt: at });
      row = { ...previous, status: 'requested' };
    } else {
      const count = (await pagesOf(tx, incident.id)).filter((p) => p.service === service).length;
      const base = `firebreak-${incidentRef(incident.id)}-${service}`;
      row = await insertPage(tx, {
        incidentId: incident.id,
        service,
        pdServiceId: mapping?.serviceId ?? null,
        incidentKey: count === 0 ? base : `${base}-${count + 1}`,
        status: 'requested',
        requestedBy: actor.id,
        origin: 'firebreak',
        createdAt: at,
        updatedAt: at,
      });
    }
    await record(
      tx,
      {
        incidentId: incident.id,
        kind: 'page_requested',
        at,
        actor: actor.id,
        source: actor.source,
        payload: {
          service,
          incidentKey: row.incidentKey,
          mode: pageMode(policy, service),
          urgency: urgencyFor(policy, incident.severity),
        },
      },
      at,
    );
    await enqueueMessage(
      tx,
      incident.id,
      { kind: 'channel' },
      { type: 'page_requested', by: actor.id, service },
      at,
    );
    await enqueuePagerCall(tx, 'trigger', row, at);
  }

  /** A new incident without an owner, on a service with an escalation policy: ask who is on call. */
  async function lookUpOnCall(tx: Tx, incident: Incident, at: Date) {
    if (!policy.restEnabled || incident.ownerId) return;
    for (const service of incident.services) {
      const escalationPolicyId = mappingOf(policy, service)?.escalationPolicyId;
      if (!escalationPolicyId) continue;
      await enqueueOwnerLookup(
        tx,
        { incidentId: incident.id, escalationPolicyId, mode: 'unowned', reason: 'on_call' },
        at,
      );
      return;
    }
  }

  const listener: IncidentListener = async (tx, event) => {
    // What PagerDuty told us is never sent back to it: that is what makes loops impossible.
    if (event.actor.source === 'pagerduty') return;
    switch (event.type) {
      case 'opened':
        await lookUpOnCall(tx, event.incident, event.at);
        return;
      case 'acknowledged':
        for (const page of await openPagesOf(tx, event.incident.id)) {
          if (page.status !== 'acknowledged')
            await enqueuePagerCall(tx, 'acknowledge', page, event.at);
        }
        return;
      case 'resolved':
        for (const page of await openPagesOf(tx, event.incident.id))
          await enqueuePagerCall(tx, 'resolve', page, event.at);
        return;
      case 'owner_changed':
      case 'severity_changed':
      case 'state_changed':
      case 'mitigated':
      case 'reopened':
        return;
      default:
        return event satisfies never;
    }
  };

  return { page, listener };
}

export type Paging = ReturnType<typeof createPaging>;
