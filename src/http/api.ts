import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { type Incident, STATES } from '../domain/incident.js';
import { type NamesOf, peopleIn, renderPostmortem } from '../postmortem/draft.js';
import { loadPostmortemRecord } from '../postmortem/record.js';
import { buildIncidentView } from '../read-model/incident-view.js';
import { followupsOf } from '../store/followups.js';
import { listIncidents } from '../store/incident-reads.js';
import { findIncident } from '../store/incidents.js';
import { eventsAfter } from '../store/timeline-reads.js';
import type { Store } from '../store/unit-of-work.js';
import { streamOf } from '../timeline/timeline.js';
import { requireToken } from './auth.js';
import { HttpError, sendJson, sendText } from './body.js';
import type { Route } from './server.js';

export interface ApiDeps {
  store: Store;
  now: () => Date;
  /** Unset: the API is closed and answers 401 saying so. */
  apiToken: string | undefined;
  /** Names for the people in a postmortem; without it they are shown by id. */
  namesOf?: NamesOf;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * An incident in the API's words (camelCase, ISO 8601 UTC). `ownerName` is the owner's Slack
 * display name when it could be found (null otherwise); `owner` stays the id.
 */
export function incidentJson(incident: Incident, names?: ReadonlyMap<string, string>) {
  return {
    number: incident.id,
    ref: `INC-${incident.id}`,
    title: incident.title,
    description: incident.description,
    severity: incident.severity,
    state: incident.state,
    owner: incident.ownerId,
    ownerName: (incident.ownerId && names?.get(incident.ownerId)) || null,
    services: incident.services,
    environment: incident.environment,
    source: incident.source,
    channelId: incident.channelId,
    channelName: incident.channelName,
    summary: incident.resolution,
    impactStartedAt: iso(incident.impactStartedAt),
    detectedAt: iso(incident.detectedAt),
    declaredAt: iso(incident.declaredAt),
    acknowledgedAt: iso(incident.acknowledgedAt),
    mitigatedAt: iso(incident.mitigatedAt),
    resolvedAt: iso(incident.resolvedAt),
    private: incident.private,
  };
}

/** `?includePrivate=true`: private incidents too (left out otherwise, as if they did not exist). */
const IncludePrivate = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const ListQuery = z.object({
  // `open` means any state but resolved.
  state: z.enum([...STATES, 'open']).optional(),
  since: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .transform((v) => new Date(v))
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  includePrivate: IncludePrivate,
});

const TimelineQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

const query = (url: URL) => Object.fromEntries(url.searchParams.entries());

function incidentNumber(param: string | undefined): number {
  const match = /^(?:INC-)?(\d{1,9})$/i.exec(param ?? '');
  if (!match) throw new HttpError(404, `no incident ${param ?? ''}`);
  return Number(match[1]);
}

/** Read-only incident API: `/api/v1/incidents[/:number[/timeline|/postmortem]]`, bearer API_TOKEN. */
export function apiRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  const auth = (req: IncomingMessage) => requireToken(req, deps.apiToken, 'API_TOKEN');
  const ownerNames = async (incidents: readonly Incident[]) =>
    deps.namesOf?.([...new Set(incidents.flatMap((i) => (i.ownerId ? [i.ownerId] : [])))]);
  const load = async (param: string | undefined, url: URL) => {
    const incident = await store.read((tx) => findIncident(tx, incidentNumber(param)));
    const includePrivate = z.object({ includePrivate: IncludePrivate }).parse({
      includePrivate: url.searchParams.get('includePrivate') ?? undefined,
    }).includePrivate;
    // A private incident answers like a missing one: its number and title stay unknown.
    if (!incident || (incident.private && !includePrivate))
      throw new HttpError(404, `There is no incident ${param}.`);
    return incident;
  };

  return [
    {
      method: 'GET',
      path: '/api/v1/incidents',
      handler: async (req, res, _params, url) => {
        auth(req);
        const q = ListQuery.parse(query(url));
        const incidents = await store.read((tx) => listIncidents(tx, q));
        const names = await ownerNames(incidents);
        sendJson(res, 200, { incidents: incidents.map((i) => incidentJson(i, names)) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/incidents/:number',
      handler: async (req, res, params, url) => {
        auth(req);
        const incident = await load(params.number, url);
        // The same view the incident card is drawn from.
        const view = await store.read((tx) => buildIncidentView(tx, incident.id, deps.now()));
        const followupRows = await store.read((tx) => followupsOf(tx, incident.id));
        sendJson(res, 200, {
          ...incidentJson(incident, await ownerNames([incident])),
          alerts: { firing: view.alerts.firing, resolved: view.alerts.resolved },
          deploys: view.suspects.map((s) => ({
            id: s.deployId,
            service: s.service,
            environment: s.environment,
            version: s.version,
            status: s.status,
            at: iso(s.at),
            verdict: s.verdict,
            verdictBy: s.verdictBy,
          })),
          followups: followupRows.map((f) => ({
            id: f.id,
            text: f.text,
            owner: f.ownerId,
            state: f.state,
            createdAt: iso(f.createdAt),
          })),
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/incidents/:number/timeline',
      handler: async (req, res, params, url) => {
        auth(req);
        const incident = await load(params.number, url);
        const q = TimelineQuery.parse(query(url));
        const rows = await store.read((tx) =>
          eventsAfter(tx, streamOf(incident.id), q.after, q.limit + 1),
        );
        const page = rows.slice(0, q.limit);
        sendJson(res, 200, {
          number: incident.id,
          events: page.map((e) => ({
            seq: e.seq,
            at: iso(e.at),
            recordedAt: iso(e.recordedAt),
            kind: e.kind,
            actor: e.actor,
            source: e.source,
            payload: e.payload,
            hash: e.hash,
            prevHash: e.prevHash,
          })),
          // Pass as `after` to read on; null on the last page.
          nextAfter: rows.length > q.limit ? (page.at(-1)?.seq ?? null) : null,
        });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/incidents/:number/postmortem',
      handler: async (req, res, params, url) => {
        auth(req);
        const incident = await load(params.number, url);
        const record = await store.read((tx) => loadPostmortemRecord(tx, incident.id));
        const names = await deps.namesOf?.(peopleIn(record));
        const markdown = renderPostmortem(record, { generatedAt: deps.now(), names });
        sendText(res, 200, markdown, 'text/markdown; charset=utf-8');
      },
    },
  ];
}
