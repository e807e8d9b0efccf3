import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Catalog } from '../catalog.js';
import type { Incident } from '../domain/incident.js';
import { severityRank } from '../domain/incident.js';
import { visibleTo } from '../incidents/visibility.js';
import { defineEffect } from '../outbox/effects.js';
import { newestDeploys } from '../store/deploys.js';
import { activeFreezes } from '../store/freezes.js';
import { openFollowupsOwnedBy } from '../store/home.js';
import { openIncidents } from '../store/incidents.js';
import type { Tx } from '../store/unit-of-work.js';
import { canonicalJson } from '../timeline/timeline.js';

/** Deploys listed per service the viewer owns. */
export const DEPLOYS_PER_SERVICE = 3;

/** Everything one person's App Home shows, read in one place; names are added by the edge. */
export interface HomeModel {
  viewer: string;
  /** Open incidents the viewer may see, worst first (then oldest first). */
  incidents: Pick<
    Incident,
    'id' | 'title' | 'severity' | 'state' | 'ownerId' | 'channelId' | 'declaredAt' | 'private'
  >[];
  freezes: {
    id: number;
    services: string[];
    environments: string[];
    reason: string;
    expiresAt: Date;
  }[];
  /** The services the viewer owns (services.<name>.owners) and their latest deploys. */
  deploys: {
    service: string;
    latest: {
      id: number;
      environment: string;
      version: string;
      status: 'started' | 'succeeded' | 'failed';
      at: Date;
      url: string | null;
    }[];
  }[];
  followups: { id: number; incidentId: number; text: string }[];
}

/** What every home shows alike: read once per sweep, not once per viewer. */
export interface HomeShared {
  open: Incident[];
  freezes: HomeModel['freezes'];
}

export async function loadHomeShared(tx: Tx, now: Date): Promise<HomeShared> {
  const open = (await openIncidents(tx)).sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.declaredAt.getTime() - b.declaredAt.getTime(),
  );
  const freezes = (await activeFreezes(tx, now)).map((f) => ({
    id: f.id,
    services: f.services,
    environments: f.environments,
    reason: f.reason,
    expiresAt: f.expiresAt,
  }));
  return { open, freezes };
}

export async function buildHome(
  tx: Tx,
  viewer: string,
  now: Date,
  catalog: Pick<Catalog, 'names' | 'owners'>,
  shared?: HomeShared,
): Promise<HomeModel> {
  const { open, freezes } = shared ?? (await loadHomeShared(tx, now));
  const incidents = (await visibleTo(tx, viewer, open)).map(
    ({ id, title, severity, state, ownerId, channelId, declaredAt, private: p }) => ({
      id,
      title,
      severity,
      state,
      ownerId,
      channelId,
      declaredAt,
      private: p,
    }),
  );
  const owned = catalog.names().filter((s) => catalog.owners(s).includes(viewer));
  const deploys = [];
  for (const service of owned) {
    const latest = await newestDeploys(tx, service, DEPLOYS_PER_SERVICE);
    deploys.push({
      service,
      latest: latest.map((d) => ({
        id: d.id,
        environment: d.environment,
        version: d.version,
        status: d.status,
        at: d.at,
        url: d.url,
      })),
    });
  }
  const followups = (await openFollowupsOwnedBy(tx, viewer)).map((f) => ({
    id: f.id,
    incidentId: f.incidentId,
    text: f.text,
  }));
  return { viewer, incidents, freezes, deploys, followups };
}

/**
 * A fingerprint of what the home shows. Ages are not in it (Slack renders them from the
 * timestamps), so a home is published again only when something on it changed.
 */
export const homeHash = (model: HomeModel): string =>
  createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify(model))))
    .digest('hex');

/** Publish one person's App Home as the record says it is now; carried out by the Slack edge. */
export const homeEffect = defineEffect({
  kind: 'home.publish',
  payload: z.object({ userId: z.string() }),
});

export const homeLane = (userId: string) => `home:${userId}`;
