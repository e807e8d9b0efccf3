import type { Catalog } from '../catalog.js';
import type { Deploy } from '../domain/deploy.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { NormalizedDeploy } from '../ingest/deploy.js';
import { claimDelivery } from '../store/deliveries.js';
import {
  findDeployByKey,
  insertDeploy,
  lastSucceededDeploy,
  openIncidentsOf,
  succeededWithShaBefore,
  updateDeploy,
} from '../store/deploys.js';
import { incidentsSuspecting } from '../store/suspects.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import type { Freezes } from './freezes.js';
import { deployFacts, enqueueNotice, freezeFacts } from './notices.js';

export interface DeployIntakeDeps {
  store: Store;
  now: () => Date;
  catalog: Catalog;
  freezes: Freezes;
  kick: () => void;
  policy: { defaultEnvironment: string; rollbacksExempt: boolean };
}

export interface DeployReceipt {
  duplicate: boolean;
  deployId: number | null;
  service: string | null;
  serviceKnown: boolean;
  status: Deploy['status'] | null;
  /** Open incidents told about it. */
  incidents: number[];
}

const duplicate = (): DeployReceipt => ({
  duplicate: true,
  deployId: null,
  service: null,
  serviceKnown: false,
  status: null,
  incidents: [],
});

const FINAL: ReadonlySet<Deploy['status']> = new Set(['succeeded', 'failed']);

/**
 * Records deploy events: one row per deploy, later statuses update it. Unknown services are
 * kept (marked unmapped), never refused. A deploy to a service+environment with an open
 * incident goes into that incident's timeline and channel, flagged when a freeze covers it.
 */
export function createDeployIntake(deps: DeployIntakeDeps) {
  const { store, now, catalog, policy } = deps;

  function resolveService(names: readonly string[]) {
    for (const name of names) {
      const resolved = catalog.resolve(name);
      if (resolved.known) return resolved;
    }
    return catalog.resolve(names[0] ?? 'unknown');
  }

  /** Sleuth's rule: a deploy of a SHA this environment already ran, after something else, is a rollback. */
  async function looksLikeRollback(
    tx: Tx,
    d: { service: string; environment: string; sha: string | null; at: Date },
  ) {
    if (!d.sha) return false;
    const previous = await lastSucceededDeploy(tx, d.service, d.environment, d.at);
    if (!previous || previous.sha === d.sha) return false;
    return await succeededWithShaBefore(tx, {
      service: d.service,
      environment: d.environment,
      sha: d.sha,
      before: previous.at,
    });
  }

  async function upsert(
    tx: Tx,
    input: NormalizedDeploy,
    at: Date,
  ): Promise<{ row: Deploy; changed: boolean; repeated: boolean }> {
    const { service, known } = resolveService(input.serviceNames);
    const environment = (input.environment ?? policy.defaultEnvironment).trim().toLowerCase();
    const dedupeKey = `${input.source}:${input.sourceId}`;
    const existing = await findDeployByKey(tx, dedupeKey);
    // The same status of the same deploy again: a redelivery (a sender's retry), which changes nothing.
    if (existing?.status === input.status) return { row: existing, changed: false, repeated: true };
    if (existing) {
      // Statuses can arrive out of order; a final status is never undone by a late "started".
      const status =
        FINAL.has(existing.status) && input.status === 'started' ? existing.status : input.status;
      const finishedAt = existing.finishedAt ?? input.finishedAt;
      const startedAt = existing.startedAt ?? input.startedAt;
      const row = await updateDeploy(tx, existing.id, {
        status,
        finishedAt,
        startedAt,
        url: input.url ?? existing.url,
        rollbackHandle: input.rollbackHandle ?? existing.rollbackHandle,
        at: finishedAt ?? startedAt ?? existing.at,
        updatedAt: at,
      });
      return { row, changed: status !== existing.status, repeated: false };
    }
    const when = input.finishedAt ?? input.startedAt ?? at;
    const previous = await lastSucceededDeploy(tx, service, environment, when);
    const compareUrl =
      input.compareUrl ??
      (input.repositoryUrl && previous?.sha && input.sha && previous.sha !== input.sha
        ? `${input.repositoryUrl.replace(/\/+$/, '')}/compare/${previous.sha}...${input.sha}`
        : null);
    const row = await insertDeploy(tx, {
      source: input.source,
      dedupeKey,
      service,
      serviceKnown: known,
      environment,
      status: input.status,
      version: input.version,
      previousVersion: input.previousVersion ?? previous?.version ?? null,
      sha: input.sha,
      compareUrl,
      actor: input.actor,
      url: input.url,
      rollbackHandle: input.rollbackHandle,
      isRollback:
        input.isRollback ||
        (await looksLikeRollback(tx, { service, environment, sha: input.sha, at: when })),
      startedAt: input.startedAt,
      finishedAt: input.finishedAt,
      commitAt: input.commitAt,
      at: when,
      receivedAt: at,
      updatedAt: at,
    });
    return { row, changed: true, repeated: false };
  }

  /**
   * Records one deploy event. A redelivery changes nothing and says so (`duplicate`): the same
   * `delivery` id again, or the status this deploy already has.
   */
  async function receive(
    input: NormalizedDeploy,
    options: { delivery?: { source: string; id: string } } = {},
  ): Promise<DeployReceipt> {
    const at = now();
    const receipt = await store.tx(async (tx): Promise<DeployReceipt> => {
      if (
        options.delivery &&
        !(await claimDelivery(tx, options.delivery.source, options.delivery.id, at))
      ) {
        return duplicate();
      }
      const { row, changed, repeated } = await upsert(tx, input, at);
      if (repeated) return duplicate();
      const told: number[] = [];
      if (changed) {
        const frozenBy = await deps.freezes.blocking(tx, {
          service: row.service,
          environment: row.environment,
          // A rollback during a freeze is what the freeze allows, unless it blocks rollbacks.
          rollback: row.isRollback && policy.rollbacksExempt,
        });
        for (const incidentId of await openIncidentsOf(tx, row.service, row.environment)) {
          const recorded = await record(
            tx,
            {
              incidentId,
              kind: 'deploy_seen',
              at: row.at,
              actor: row.actor ?? row.source,
              source: row.source,
              payload: {
                deployId: row.id,
                service: row.service,
                environment: row.environment,
                version: row.version,
                status: row.status,
                url: row.url,
                isRollback: row.isRollback,
                duringFreeze: frozenBy.map((f) => f.id),
              },
              dedupeKey: `deploy:${row.id}:${row.status}`,
            },
            at,
          );
          if (!recorded) continue;
          told.push(incidentId);
          await enqueueNotice(
            tx,
            { incidentId, channelId: null },
            { type: 'deploy_seen', deploy: deployFacts(row), frozenBy: frozenBy.map(freezeFacts) },
            at,
          );
        }
        // A suspect whose status moved (running → failed) changes what its cards show.
        for (const incidentId of await incidentsSuspecting(tx, row.id))
          await enqueuePublish(tx, incidentId, at);
      }
      return {
        duplicate: false,
        deployId: row.id,
        service: row.service,
        serviceKnown: row.serviceKnown,
        status: row.status,
        incidents: told,
      };
    });
    if (receipt.incidents.length > 0 || receipt.deployId !== null) deps.kick();
    return receipt;
  }

  return { receive };
}

export type DeployIntake = ReturnType<typeof createDeployIntake>;
