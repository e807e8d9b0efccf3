// The deploy core wired as app.ts wires it, on an in-memory database with a controllable clock.
import { createCatalog } from '../../src/catalog.js';
import { createAutoRollbacks } from '../../src/deploy/auto-rollback.js';
import type { AutoRollbackPolicy } from '../../src/deploy/auto-rollback-decide.js';
import type { BackendResolver } from '../../src/deploy/backend.js';
import { createFreezes } from '../../src/deploy/freezes.js';
import { createDeployIntake } from '../../src/deploy/intake.js';
import { deployListener } from '../../src/deploy/listener.js';
import { createRollbacks, type RollbackPolicy } from '../../src/deploy/rollback.js';
import { createSuspects } from '../../src/deploy/suspects.js';
import { createAlertIntake } from '../../src/incidents/intake.js';
import { createIncidents } from '../../src/incidents/service.js';
import type { NormalizedDeploy } from '../../src/ingest/deploy.js';
import { testDb } from './db.js';

export const T0 = new Date('2026-11-22T10:00:00Z');
const MIN = 60_000;

export function deployCore(
  options: {
    backendFor?: BackendResolver;
    rollback?: Partial<RollbackPolicy>;
    deployers?: string[];
    /** deploys.autoRollback, wired as the deploys module wires it (its listener after suspects). */
    autoRollback?: Omit<AutoRollbackPolicy, 'deployers'>;
  } = {},
) {
  const opened = testDb();
  const clock = { now: T0 };
  const now = () => clock.now;
  const kick = () => {};
  const deployers = options.deployers ?? ['U0DEPLOYER'];
  const catalog = createCatalog({
    checkout: { aliases: ['checkout-api'], owners: ['U0OWNER001'] },
    search: { aliases: [], owners: [] },
  });
  const freezes = createFreezes({
    store: opened.store,
    now,
    kick,
    policy: { defaultMs: 120 * MIN, maxMs: 24 * 60 * MIN, deployers },
  });
  const suspects = createSuspects({
    store: opened.store,
    now,
    kick,
    policy: { windowMs: 120 * MIN, max: 3 },
  });
  const listeners = [deployListener({ suspects, freezes })];
  const policy = {
    defaultEnvironment: 'production',
    reminders: {},
    unownedReminderMs: 10 * MIN,
  };
  const incidents = createIncidents({
    store: opened.store,
    now,
    kick,
    catalog,
    listeners,
    policy: { ...policy, deployers, commanders: [] },
  });
  const alerts = createAlertIntake({
    store: opened.store,
    now,
    kick,
    catalog,
    listeners,
    policy: { ...policy, severityLabels: undefined, autoResolve: false },
  });
  const intake = createDeployIntake({
    store: opened.store,
    now,
    catalog,
    freezes,
    kick,
    policy: { defaultEnvironment: 'production', rollbacksExempt: true },
  });
  const rollbacks = createRollbacks({
    store: opened.store,
    now,
    kick,
    backendFor: options.backendFor ?? (() => null),
    freezes,
    policy: {
      deployers,
      rollbacksExempt: true,
      freezeAfterMs: 120 * MIN,
      publicUrl: null,
      ...options.rollback,
    },
  });

  const autoRollbacks = options.autoRollback
    ? createAutoRollbacks({
        store: opened.store,
        now,
        kick,
        backendFor: options.backendFor ?? (() => null),
        rollbacks,
        policy: { ...options.autoRollback, deployers },
      })
    : null;
  // The services read the listener list when an event comes, so adding it now is in time.
  if (autoRollbacks) listeners.push(autoRollbacks.listener);

  /** A deploy `minutesAgo` before the clock. */
  async function deploy(
    id: string,
    version: string,
    minutesAgo: number,
    extra: Partial<NormalizedDeploy> = {},
  ) {
    const at = new Date(clock.now.getTime() - minutesAgo * MIN);
    return await intake.receive({
      source: 'generic',
      sourceId: id,
      serviceNames: ['checkout'],
      environment: 'production',
      status: 'succeeded',
      version,
      previousVersion: null,
      sha: null,
      compareUrl: null,
      actor: 'dana',
      url: null,
      rollbackHandle: { revision: String(version.replace(/\D/g, '') || '1') },
      isRollback: false,
      startedAt: at,
      finishedAt: extra.status === 'started' ? null : at,
      commitAt: null,
      ...extra,
    });
  }

  return {
    ...opened,
    clock,
    advance: (minutes: number) => {
      clock.now = new Date(clock.now.getTime() + minutes * MIN);
    },
    catalog,
    freezes,
    suspects,
    incidents,
    alerts,
    intake,
    rollbacks,
    autoRollbacks,
    deploy,
  };
}
