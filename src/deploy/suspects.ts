import type { Deploy } from '../domain/deploy.js';
import { type Incident, incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import { enqueuePublish } from '../incidents/effects.js';
import type { Actor } from '../incidents/events.js';
import {
  deploysInWindow,
  findDeploy,
  runningDeploys,
  succeededDeploysBefore,
} from '../store/deploys.js';
import { succeededRollbackSpans } from '../store/rollbacks.js';
import {
  countSuspects,
  findSuspectLink,
  linkSuspect,
  setSuspectVerdict,
} from '../store/suspects.js';
import type { Store, Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';

export interface SuspectPolicy {
  /** How far before detection a deploy is still a suspect. */
  windowMs: number;
  /** How many suspects an incident keeps. */
  max: number;
}

export interface SuspectQuery {
  services: readonly string[];
  environment: string;
  detectedAt: Date;
}

// Deploys looked at per service: the most recent in the window. A window with more deploys than
// this is a deploy storm, and the oldest of it are not what anyone would roll back first.
const CANDIDATES = 50;
// A deploy that has reported no final status for a day was abandoned, not "still running".
const STALE_RUNNING_MS = 24 * 60 * 60_000;

const priority = (d: Deploy) => (d.status === 'succeeded' ? 1 : 0);

/** Failed or still running first, then the most recent; ties broken by arrival. */
export function rankSuspects(rows: readonly Deploy[]): Deploy[] {
  return [...rows].sort(
    (a, b) => priority(a) - priority(b) || b.at.getTime() - a.at.getTime() || b.id - a.id,
  );
}

/**
 * The deploys most likely to have caused an incident: those to its services and environment
 * in the look-back window before detection, plus any still running at detection. Two index
 * seeks per service (deploys_service_env_at), prepared once per database connection.
 */
export async function findSuspects(
  tx: Tx,
  query: SuspectQuery,
  policy: SuspectPolicy,
): Promise<Deploy[]> {
  const detected = query.detectedAt.getTime();
  const until = query.detectedAt;
  const byId = new Map<number, Deploy>();
  for (const service of new Set(query.services)) {
    const args = { service, environment: query.environment, until };
    for (const row of await deploysInWindow(tx, {
      ...args,
      from: new Date(detected - policy.windowMs),
      limit: CANDIDATES,
    }))
      byId.set(row.id, row);
    for (const row of await runningDeploys(tx, {
      ...args,
      from: new Date(detected - STALE_RUNNING_MS),
      limit: policy.max,
    }))
      byId.set(row.id, row);
  }
  return rankSuspects([...byId.values()]).slice(0, policy.max);
}

/** Links suspects to an incident, after any it already has; verdicts already given are kept. */
export async function storeSuspects(
  tx: Tx,
  incidentId: number,
  rows: readonly Deploy[],
): Promise<number> {
  const existing = await countSuspects(tx, incidentId);
  let added = 0;
  for (const row of rows) {
    if (await linkSuspect(tx, incidentId, row.id, existing + added + 1)) added += 1;
  }
  return added;
}

/**
 * What rolling back `from` goes back to: the last *successful* deploy of the same service and
 * environment before it (never a failed one), skipping deploys of the same version and deploys
 * an earlier successful rollback already undid. Undefined when there is none.
 */
export async function rollbackTarget(
  tx: Tx,
  from: Pick<Deploy, 'id' | 'service' | 'environment' | 'at' | 'sha' | 'version'>,
): Promise<Deploy | undefined> {
  const candidates = await succeededDeploysBefore(tx, from, 20);
  if (candidates.length === 0) return undefined;
  const undone = await succeededRollbackSpans(tx, from.service, from.environment);
  const wasUndone = (d: Deploy) =>
    undone.some((u) => u.finishedAt !== null && d.at > u.toAt && d.at < u.finishedAt);
  return candidates.find(
    (d) =>
      d.id !== from.id &&
      !(from.sha !== null && d.sha === from.sha) &&
      d.version !== from.version &&
      !wasUndone(d),
  );
}

/**
 * Suspects as incidents see them: computed when an incident opens (alert or declared, in the
 * transaction that opened it), and judged "not related" from the card.
 */
export function createSuspects(deps: {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: SuspectPolicy;
}) {
  const { store, now, policy } = deps;

  async function onOpened(tx: Tx, incident: Incident): Promise<number> {
    if (incident.services.length === 0) return 0;
    const rows = await findSuspects(
      tx,
      {
        services: incident.services,
        environment: incident.environment,
        detectedAt: incident.detectedAt ?? incident.declaredAt,
      },
      policy,
    );
    return await storeSuspects(tx, incident.id, rows);
  }

  async function markNotRelated(
    incidentId: number,
    deployId: number,
    actor: Actor,
  ): Promise<boolean> {
    const at = now();
    const changed = await store.tx(async (tx) => {
      const link = await findSuspectLink(tx, incidentId, deployId);
      if (!link)
        throw new AppError(
          'not_found',
          `That deploy is not a suspect of ${incidentRef(incidentId)}.`,
        );
      if (link.verdict === 'not_related') return false;
      await setSuspectVerdict(
        tx,
        { incidentId, deployId },
        { verdict: 'not_related', by: actor.id, at },
      );
      const deploy = await findDeploy(tx, deployId);
      await record(
        tx,
        {
          incidentId,
          kind: 'suspect_marked',
          at,
          actor: actor.id,
          source: actor.source,
          payload: {
            deployId,
            verdict: 'not_related',
            from: link.verdict,
            service: deploy?.service,
            version: deploy?.version,
          },
        },
        at,
      );
      await enqueuePublish(tx, incidentId, at);
      return true;
    });
    if (changed) deps.kick();
    return changed;
  }

  return { onOpened, markNotRelated };
}

export type Suspects = ReturnType<typeof createSuspects>;
