import { incidentRef, isOpen } from '../domain/incident.js';
import type { PagingMessage } from '../domain/paging-messages.js';
import { enqueueMessage, enqueuePublish } from '../incidents/effects.js';
import type { Incidents } from '../incidents/service.js';
import type { EffectHandler } from '../outbox/effects.js';
import { DeliveryError } from '../outbox/worker.js';
import { findIncident, getIncident } from '../store/incidents.js';
import {
  directoryEntry,
  findPage,
  type PageRow,
  pageOfPagerDutyIncident,
  saveDirectoryEntry,
  setPage,
} from '../store/paging.js';
import type { Store } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import { type OwnerLookup, ownerLookupEffect, pagerCalls } from './effects.js';
import { EVENT_SEVERITY, mappingOf, type PagingPolicy, urgencyFor } from './policy.js';
import type { PagedIncident, Pager, People } from './ports.js';

export interface PagerDeliveryDeps {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: PagingPolicy;
  pager: Pager;
  people: People;
  incidents: Incidents;
  /** A link back to the incident's channel, for the PagerDuty incident's details. */
  channelUrl: (channelId: string) => string;
  /**
   * Attempts before a page is reported failed. Paging is urgent: after a couple of minutes
   * people must know to page another way, instead of the outbox trying for an hour.
   */
  maxAttempts?: number;
  /** How long an e-mail → chat user mapping is trusted before asking again. */
  directoryTtlMs?: number;
}

const HOUR = 60 * 60_000;

/** What a handler reads of its outbox item: how often it was tried before. */
type Attempted = { attempts: number };

/** The outbox handlers that talk to PagerDuty (and to the chat directory for on-call owners). */
export function createPagerDelivery(deps: PagerDeliveryDeps): EffectHandler[] {
  const { store, now, policy, pager } = deps;
  const maxAttempts = deps.maxAttempts ?? 8;
  const directoryTtlMs = deps.directoryTtlMs ?? 24 * HOUR;

  const tell = (incidentId: number, message: PagingMessage, at: Date) =>
    store.tx((tx) => enqueueMessage(tx, incidentId, { kind: 'channel' }, message, at));

  async function trigger({ pageId }: { pageId: number }, item: Attempted): Promise<void> {
    const page = await store.read((tx) => findPage(tx, pageId));
    if (!page || page.status === 'failed') return;
    const incident = await store.read((tx) => getIncident(tx, page.incidentId));
    const mapping = mappingOf(policy, page.service);
    const link = incident.channelId ? deps.channelUrl(incident.channelId) : null;
    const title = `${incidentRef(incident.id)} ${incident.title}`;
    const details = [
      `${incidentRef(incident.id)} · ${incident.severity} · ${incident.state}`,
      incident.services.length ? `Services: ${incident.services.join(', ')}` : null,
      link ? `Slack channel: ${link}` : null,
      incident.description,
    ]
      .filter(Boolean)
      .join('\n');
    let paged: PagedIncident | null = null;
    try {
      const serviceId = page.pdServiceId ?? mapping?.serviceId;
      if (serviceId && policy.restEnabled) {
        paged = await pager.createIncident({
          serviceId,
          escalationPolicyId: mapping?.escalationPolicyId ?? null,
          title,
          urgency: urgencyFor(policy, incident.severity),
          incidentKey: page.incidentKey,
          details,
        });
      } else if (mapping?.routingKey) {
        await pager.sendEvent({
          routingKey: mapping.routingKey,
          action: 'trigger',
          dedupKey: page.incidentKey,
          summary: title,
          severity: EVENT_SEVERITY[incident.severity],
          source: 'firebreak',
          link,
          details: { incident: incidentRef(incident.id), services: incident.services.join(', ') },
        });
      } else {
        throw new DeliveryError(`${page.service} is no longer mapped to PagerDuty`, {
          permanent: true,
        });
      }
    } catch (error) {
      await failedAttempt(item, page, error);
      return;
    }
    await triggered(page, paged);
  }

  async function triggered(page: PageRow, paged: PagedIncident | null) {
    const at = now();
    await store.tx(async (tx) => {
      const current = (await findPage(tx, page.id)) ?? page;
      // A webhook may have linked another page to this PagerDuty incident first; keep that link.
      const taken =
        paged && paged.id !== current.pdIncidentId
          ? await pageOfPagerDutyIncident(tx, paged.id)
          : undefined;
      await setPage(tx, page.id, {
        status: current.status === 'requested' ? 'triggered' : current.status,
        pdIncidentId: taken ? current.pdIncidentId : (paged?.id ?? current.pdIncidentId),
        htmlUrl: current.htmlUrl ?? paged?.htmlUrl ?? null,
        updatedAt: at,
      });
      // One entry and one message per page, even when a retry after a crash pages again.
      const entry = await record(
        tx,
        {
          incidentId: page.incidentId,
          kind: 'page_triggered',
          at,
          actor: 'pagerduty',
          source: 'pagerduty',
          payload: {
            service: page.service,
            pdIncidentId: paged?.id ?? null,
            htmlUrl: paged?.htmlUrl ?? null,
            incidentKey: page.incidentKey,
            existing: paged?.existing ?? false,
            assignees: paged?.assignees ?? [],
          },
          dedupeKey: `page_triggered:${page.incidentKey}`,
        },
        at,
      );
      if (entry) {
        await enqueueMessage(
          tx,
          page.incidentId,
          { kind: 'channel' },
          {
            type: 'page_triggered',
            service: page.service,
            pdIncidentId: paged?.id ?? null,
            htmlUrl: paged?.htmlUrl ?? null,
            assignees: paged?.assignees ?? [],
            existing: paged?.existing ?? false,
          },
          at,
        );
      }
      await enqueuePublish(tx, page.incidentId, at);
    });
    deps.kick();
  }

  /** Tells the channel once that paging is being retried, and gives up with a clear message. */
  async function failedAttempt(item: Attempted, page: PageRow, error: unknown): Promise<void> {
    const failure =
      error instanceof DeliveryError
        ? error
        : new DeliveryError(error instanceof Error ? error.message : String(error), {
            cause: error,
          });
    const at = now();
    if (failure.permanent || item.attempts + 1 >= maxAttempts) {
      await store.tx(async (tx) => {
        await setPage(tx, page.id, { status: 'failed', updatedAt: at });
        await record(
          tx,
          {
            incidentId: page.incidentId,
            kind: 'page_failed',
            at,
            actor: 'firebreak',
            source: 'firebreak',
            payload: {
              service: page.service,
              reason: failure.message,
              attempts: item.attempts + 1,
            },
          },
          at,
        );
        await enqueueMessage(
          tx,
          page.incidentId,
          { kind: 'channel' },
          { type: 'page_failed', service: page.service, reason: failure.message },
          at,
        );
        await enqueuePublish(tx, page.incidentId, at);
      });
      deps.kick();
      return;
    }
    if (item.attempts === 0) {
      await tell(
        page.incidentId,
        { type: 'page_retrying', service: page.service, reason: failure.message },
        at,
      );
      deps.kick();
    }
    throw failure;
  }

  /** Firebreak's acknowledge or resolve, sent to the PagerDuty side of a page. */
  async function sync(pageId: number, action: 'acknowledge' | 'resolve'): Promise<void> {
    const page = await store.read((tx) => findPage(tx, pageId));
    if (!page || page.status === 'failed' || page.status === 'resolved') return;
    if (action === 'acknowledge' && page.status === 'acknowledged') return;
    const mapping = mappingOf(policy, page.service);
    const incident = await store.read((tx) => getIncident(tx, page.incidentId));
    if (page.pdIncidentId && policy.restEnabled) {
      if (action === 'acknowledge') await pager.acknowledge(page.pdIncidentId);
      else await pager.resolve(page.pdIncidentId, incident.resolution ?? 'Resolved in firebreak.');
    } else if (mapping?.routingKey) {
      await pager.sendEvent({
        routingKey: mapping.routingKey,
        action,
        dedupKey: page.incidentKey,
        summary: `${incidentRef(incident.id)} ${incident.title}`,
        severity: EVENT_SEVERITY[incident.severity],
        source: 'firebreak',
        link: null,
        details: {},
      });
    } else {
      throw new DeliveryError(`cannot ${action} ${page.service} in PagerDuty: no token or key`, {
        permanent: true,
      });
    }
    const at = now();
    await store.tx(async (tx) => {
      const current = (await findPage(tx, page.id)) ?? page;
      const status = action === 'resolve' ? 'resolved' : 'acknowledged';
      if (current.status !== 'resolved') await setPage(tx, page.id, { status, updatedAt: at });
      await record(
        tx,
        {
          incidentId: page.incidentId,
          kind: 'pagerduty_event',
          at,
          actor: 'firebreak',
          source: 'firebreak',
          payload: {
            direction: 'outbound',
            action,
            service: page.service,
            pdIncidentId: page.pdIncidentId,
          },
        },
        at,
      );
      await enqueuePublish(tx, page.incidentId, at);
    });
    deps.kick();
  }

  async function slackUserFor(email: string): Promise<string | null> {
    const key = email.trim().toLowerCase();
    const cached = await store.read((tx) => directoryEntry(tx, key));
    if (cached && now().getTime() - cached.fetchedAt.getTime() < directoryTtlMs)
      return cached.slackUserId;
    const slackUserId = await deps.people.findByEmail(key);
    const fetchedAt = now();
    await store.tx((tx) => saveDirectoryEntry(tx, { email: key, slackUserId, fetchedAt }));
    return slackUserId;
  }

  /** Who is on call (or who PagerDuty assigned), as a chat user, becomes the owner. */
  async function lookupOwner(lookup: OwnerLookup): Promise<void> {
    const before = await store.read((tx) => findIncident(tx, lookup.incidentId));
    if (!before || !isOpen(before.state)) return;
    if (lookup.mode === 'unowned' && before.ownerId) return;
    const user = lookup.pdUserId
      ? await pager.user(lookup.pdUserId)
      : lookup.escalationPolicyId
        ? await pager.onCall(lookup.escalationPolicyId)
        : null;
    if (!user) return;
    const ownerId = user.email ? await slackUserFor(user.email) : null;
    const at = now();
    await store.tx(async (tx) => {
      if (!ownerId) {
        await record(
          tx,
          {
            incidentId: lookup.incidentId,
            kind: 'pagerduty_event',
            at,
            actor: `pagerduty:${user.id}`,
            source: 'pagerduty',
            payload: { type: 'owner_not_in_chat', pagerUser: user.name, email: user.email },
            dedupeKey: `owner_not_in_chat:${user.id}`,
          },
          at,
        );
        return;
      }
      // Looked up while the world moved on: check again before changing anything.
      const current = await getIncident(tx, lookup.incidentId);
      if (!isOpen(current.state) || current.ownerId === ownerId) return;
      if (lookup.mode === 'unowned' && current.ownerId) return;
      await deps.incidents.within(tx).setOwner(
        lookup.incidentId,
        ownerId,
        { id: `pagerduty:${user.id}`, source: 'pagerduty' },
        { announce: false }, // owner_from_pagerduty below says it, with who is on call
      );
      await enqueueMessage(
        tx,
        lookup.incidentId,
        { kind: 'channel' },
        { type: 'owner_from_pagerduty', ownerId, pagerUser: user.name, reason: lookup.reason },
        at,
      );
    });
    deps.kick();
  }

  return [
    pagerCalls.trigger.handledBy(trigger),
    pagerCalls.acknowledge.handledBy(({ pageId }) => sync(pageId, 'acknowledge')),
    pagerCalls.resolve.handledBy(({ pageId }) => sync(pageId, 'resolve')),
    ownerLookupEffect.handledBy(lookupOwner),
  ];
}
