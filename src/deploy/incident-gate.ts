import { incidentRef, type Severity } from '../domain/incident.js';
import type { IncidentListener } from '../incidents/events.js';
import { claimDelivery } from '../store/deliveries.js';
import { findIncident, openIncidents } from '../store/incidents.js';
import type { Store } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import {
  blockingIncidents,
  decideFix,
  type GateIncident,
  type IncidentTarget,
} from './incident-gate-decide.js';
import { enqueueNotice } from './notices.js';

export interface IncidentGatePolicy {
  /** deploys.gateBlocksOnIncident; null: open incidents never block a deploy. */
  blocksOn: Severity | null;
}

export interface FixRequest {
  /** The incident number from `fix=INC-n`. */
  incidentId: number;
  /** `deploy=`: what identifies this deploy (pipeline run, version, sha); null when not given. */
  deploy: string | null;
}

export interface IncidentGateAnswer {
  /** False while an incident of the configured severity or worse blocks the deploy. */
  allowed: boolean;
  /** The incidents still blocking it, worst first. */
  blocking: GateIncident[];
  /** What `fix=` did, when it was given. */
  fix: { incident: string; granted: boolean; reason: string | null } | null;
}

// Claims in the deliveries table: one row per pass, so a retried request posts nothing new.
export const FIX_PASS_SOURCE = 'gate-fix';

/**
 * "May this deploy (or this canary) go on while incidents are open?" Cheap like the freeze gate:
 * the open incidents are kept in memory for a second and dropped whenever one changes.
 */
export function createIncidentGate(deps: {
  store: Store;
  now: () => Date;
  kick: () => void;
  policy: IncidentGatePolicy;
}) {
  const { store, now, policy } = deps;
  let cached: { rows: GateIncident[]; loadedAt: number } | null = null;
  const CACHE_MS = 1000;
  async function open(): Promise<GateIncident[]> {
    if (!cached || performance.now() - cached.loadedAt > CACHE_MS)
      cached = { rows: await store.read((tx) => openIncidents(tx)), loadedAt: performance.now() };
    return cached.rows;
  }

  /** Any change to an incident may change the answer: forget what was loaded. */
  const listener: IncidentListener = async () => {
    cached = null;
  };

  async function check(
    target: IncidentTarget,
    fix: FixRequest | null,
  ): Promise<IncidentGateAnswer> {
    const threshold = policy.blocksOn;
    if (threshold === null)
      return {
        allowed: true,
        blocking: [],
        fix: fix && {
          incident: incidentRef(fix.incidentId),
          granted: false,
          reason: 'incidents do not block deploys here (deploys.gateBlocksOnIncident is unset)',
        },
      };
    const blocking = blockingIncidents(await open(), target, threshold);
    if (!fix) return { allowed: blocking.length === 0, blocking, fix: null };
    const named =
      blocking.find((i) => i.id === fix.incidentId) ??
      (await store.read((tx) => findIncident(tx, fix.incidentId)));
    const verdict = decideFix(fix.incidentId, named, blocking);
    const ref = incidentRef(fix.incidentId);
    if (verdict.kind === 'refused')
      return {
        allowed: blocking.length === 0,
        blocking,
        fix: { incident: ref, granted: false, reason: verdict.reason },
      };
    await recordPass(target, fix);
    return { allowed: true, blocking: [], fix: { incident: ref, granted: true, reason: null } };
  }

  /**
   * A pass is identified by incident, service, environment and `deploy=`: CI retrying the same
   * request (or Argo measuring again) posts nothing new; another deploy id is another pass.
   */
  async function recordPass(target: IncidentTarget, fix: FixRequest): Promise<void> {
    const at = now();
    const key = [fix.incidentId, target.service, target.environment, fix.deploy ?? ''].join('\n');
    const first = await store.tx(async (tx) => {
      if (!(await claimDelivery(tx, FIX_PASS_SOURCE, key, at))) return false;
      const payload = {
        service: target.service,
        environment: target.environment,
        deploy: fix.deploy,
      };
      await record(
        tx,
        {
          incidentId: fix.incidentId,
          kind: 'gate_fix_pass',
          at,
          actor: 'ci',
          source: 'api',
          payload,
        },
        at,
      );
      await enqueueNotice(
        tx,
        { incidentId: fix.incidentId, channelId: null },
        { type: 'gate_fix_pass', incidentId: fix.incidentId, ...payload },
        at,
      );
      return true;
    });
    if (first) deps.kick();
  }

  return { check, listener, enabled: policy.blocksOn !== null };
}

export type IncidentGate = ReturnType<typeof createIncidentGate>;
