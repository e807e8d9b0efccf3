import { describe, expect, test } from 'vitest';
import {
  type AutoRollbackPolicy,
  type AutoRollbackSettings,
  checkGuard,
  decideAutoRollback,
  type GuardCondition,
  type GuardState,
  settingsFor,
  shouldEvaluate,
} from '../../src/deploy/auto-rollback-decide.js';
import type { Deploy } from '../../src/domain/deploy.js';
import type { Freeze } from '../../src/domain/freeze.js';

// The automatic rollback's guard as a pure function: every condition holds in `passing()`,
// and each test breaks exactly one of them, so each is shown to hold and to fail on its own.

const NOW = new Date('2026-12-01T12:00:00Z');
const MIN = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function deploy(
  id: number,
  version: string,
  minutesAgo: number,
  extra: Partial<Deploy> = {},
): Deploy {
  const at = ago(minutesAgo * MIN);
  return {
    id,
    source: 'github',
    dedupeKey: `github:${id}`,
    service: 'checkout',
    serviceKnown: true,
    environment: 'production',
    status: 'succeeded',
    version,
    previousVersion: null,
    sha: `sha-${version}`,
    compareUrl: null,
    actor: 'dev',
    url: null,
    rollbackHandle: null,
    isRollback: false,
    startedAt: null,
    finishedAt: at,
    commitAt: null,
    at,
    receivedAt: at,
    updatedAt: at,
    ...extra,
  };
}

function freeze(extra: Partial<Freeze> = {}): Freeze {
  return {
    id: 7,
    services: ['checkout'],
    environments: ['production'],
    reason: 'release weekend',
    createdBy: 'U1',
    incidentId: null,
    channelId: null,
    blocksRollbacks: true,
    createdAt: ago(10 * MIN),
    expiresAt: new Date(NOW.getTime() + 60 * MIN),
    liftedAt: null,
    liftedBy: null,
    ...extra,
  };
}

const V1 = deploy(1, 'v1', 120);
const V2 = deploy(2, 'v2', 7);

const ON: AutoRollbackSettings = {
  mode: 'on',
  windowMs: 30 * MIN,
  minSeverity: 'sev1',
  vetoMs: 2 * MIN,
  cooldownMs: 6 * 60 * MIN,
};

/** Every condition holds: one service, one finished deploy 6 min before the alert, a target… */
function passing(): GuardState {
  return {
    incident: {
      id: 4,
      services: ['checkout'],
      environments: ['production'],
      severity: 'sev1',
      firstAlertAt: ago(1 * MIN),
    },
    deploys: [V2],
    target: V1,
    backend: { label: 'webhook' },
    freezes: [],
    incidentDecision: null,
    recent: null,
  };
}

const failed = (state: GuardState, settings = ON, exempt = true) =>
  checkGuard(state, settings, exempt, NOW)
    .filter((c) => !c.ok)
    .map((c) => c.condition);

const detail = (state: GuardState, condition: GuardCondition, settings = ON) =>
  checkGuard(state, settings, true, NOW).find((c) => c.condition === condition)?.detail;

describe('every condition holds', () => {
  test('mode on: scheduled, with the deadline one veto away and every reason listed', () => {
    const plan = decideAutoRollback(passing(), ON, true, NOW);
    expect(plan.decision).toBe('scheduled');
    expect(plan.deadlineAt).toEqual(new Date(NOW.getTime() + 2 * MIN));
    expect(plan.from?.version).toBe('v2');
    expect(plan.to?.version).toBe('v1');
    expect(plan.checks.every((c) => c.ok)).toBe(true);
    expect(plan.reasons).toHaveLength(7);
    expect(plan.reasons.join('\n')).toContain(
      'v2 finished 6 min before the first alert, the only deploy of checkout in production in the last 30 min',
    );
  });

  test('mode shadow: a shadow decision, no deadline', () => {
    const plan = decideAutoRollback(passing(), { ...ON, mode: 'shadow' }, true, NOW);
    expect(plan.decision).toBe('shadow');
    expect(plan.deadlineAt).toBeNull();
  });

  test('mode off is never decided', () => {
    expect(() => decideAutoRollback(passing(), { ...ON, mode: 'off' }, true, NOW)).toThrow();
  });
});

describe('exactly one service and environment', () => {
  test('holds for one of each', () => {
    expect(failed(passing())).toEqual([]);
  });
  test('fails without a service', () => {
    const s = passing();
    s.incident.services = [];
    expect(failed(s)).toContain('one_service_and_environment');
    expect(detail(s, 'one_service_and_environment')).toBe('the incident names no service');
  });
  test('fails with two services', () => {
    const s = passing();
    s.incident.services = ['checkout', 'payments'];
    expect(failed(s)).toContain('one_service_and_environment');
    expect(detail(s, 'one_service_and_environment')).toBe(
      'two services in the incident (checkout, payments)',
    );
  });
  test('fails with alerts from two environments', () => {
    const s = passing();
    s.incident.environments = ['production', 'staging'];
    expect(failed(s)).toEqual(['one_service_and_environment']);
    expect(decideAutoRollback(s, ON, true, NOW).reasons).toEqual([
      'two environments in the incident (production, staging)',
    ]);
  });
});

describe('exactly one suspect deploy, finished, within the window', () => {
  test('fails with no deploy in the window', () => {
    const s = { ...passing(), deploys: [] };
    expect(failed(s)).toContain('one_finished_deploy');
    expect(detail(s, 'one_finished_deploy')).toBe(
      'no deploy of checkout in production in the 30 min before the first alert',
    );
  });
  test('fails with two deploys in the window, and still names a button target', () => {
    const s = { ...passing(), deploys: [V2, deploy(3, 'v1.9', 20)] };
    expect(failed(s)).toEqual(['one_finished_deploy']);
    const plan = decideAutoRollback(s, ON, true, NOW);
    expect(plan.decision).toBe('refused');
    expect(plan.reasons[0]).toMatch(/^two deploys in the window \(v2, v1\.9/);
    expect(plan.from?.version).toBe('v2');
    expect(plan.deadlineAt).toBeNull();
  });
  test('fails while the one deploy has not finished', () => {
    const s = { ...passing(), deploys: [deploy(2, 'v2', 7, { status: 'started' })] };
    expect(failed(s)).toEqual(['one_finished_deploy']);
    expect(detail(s, 'one_finished_deploy')).toBe('the deploy v2 has not finished');
  });
  test('a failed deploy is finished', () => {
    const s = { ...passing(), deploys: [deploy(2, 'v2', 7, { status: 'failed' })] };
    expect(failed(s)).toEqual([]);
  });
});

describe('a rollback target exists and a backend is configured', () => {
  test('fails without an earlier successful deploy', () => {
    const s = { ...passing(), target: null };
    expect(failed(s)).toEqual(['rollback_target']);
    expect(detail(s, 'rollback_target')).toBe(
      'no earlier successful deploy of checkout in production to roll back to',
    );
    expect(decideAutoRollback(s, ON, true, NOW).to).toBeNull();
  });
  test('fails without a backend', () => {
    const s = { ...passing(), backend: null };
    expect(failed(s)).toEqual(['backend']);
    expect(detail(s, 'backend')).toBe('no rollback backend configured for checkout in production');
  });
  test('holds with both', () => {
    expect(detail(passing(), 'backend')).toBe('backend: webhook');
    expect(detail(passing(), 'rollback_target')).toContain('rolls back to v1');
  });
});

describe('no freeze blocks rollbacks', () => {
  test('fails under a freeze that blocks rollbacks', () => {
    const s = { ...passing(), freezes: [freeze()] };
    expect(failed(s)).toEqual(['not_frozen']);
    expect(detail(s, 'not_frozen')).toBe(
      'freeze #7 blocks rollbacks of checkout in production: release weekend',
    );
  });
  test('holds under a freeze that lets rollbacks through (rollbacksExempt)', () => {
    expect(failed({ ...passing(), freezes: [freeze({ blocksRollbacks: false })] })).toEqual([]);
  });
  test('fails under any freeze when rollbacks are not exempt', () => {
    const s = { ...passing(), freezes: [freeze({ blocksRollbacks: false })] };
    expect(failed(s, ON, false)).toEqual(['not_frozen']);
  });
  test('holds under a freeze of another service, or one lifted or expired', () => {
    expect(failed({ ...passing(), freezes: [freeze({ services: ['payments'] })] })).toEqual([]);
    expect(failed({ ...passing(), freezes: [freeze({ liftedAt: ago(MIN) })] })).toEqual([]);
    expect(failed({ ...passing(), freezes: [freeze({ expiresAt: ago(MIN) })] })).toEqual([]);
  });
});

describe('no automatic rollback already for this incident', () => {
  test('fails when one was scheduled', () => {
    const s: GuardState = {
      ...passing(),
      incidentDecision: { id: 3, decision: 'scheduled', status: 'executed' },
    };
    expect(failed(s)).toEqual(['first_for_incident']);
    expect(detail(s, 'first_for_incident')).toBe(
      'an automatic rollback already ran for this incident (decision #3, executed)',
    );
  });
  test('fails in shadow mode when one was proposed', () => {
    const s: GuardState = {
      ...passing(),
      incidentDecision: { id: 3, decision: 'shadow', status: 'none' },
    };
    expect(failed(s, { ...ON, mode: 'shadow' })).toEqual(['first_for_incident']);
  });
  test('holds otherwise', () => {
    expect(detail(passing(), 'first_for_incident')).toBe(
      'no automatic rollback yet for this incident',
    );
  });
});

describe('none for this service and environment within the cooldown', () => {
  test('fails when one ran 2 h ago with a 6 h cooldown', () => {
    const s: GuardState = {
      ...passing(),
      recent: { id: 1, decidedAt: ago(120 * MIN), incidentId: 2 },
    };
    expect(failed(s)).toEqual(['cooldown']);
    expect(detail(s, 'cooldown')).toBe(
      'an automatic rollback of checkout in production ran 2 h ago (INC-2); cooldown 6 h',
    );
  });
  test('holds when none is recent (the shell reads only the cooldown)', () => {
    expect(detail(passing(), 'cooldown')).toBe('none for checkout in production in the last 6 h');
  });
});

test('every failed condition is named, not only the first', () => {
  const s: GuardState = {
    ...passing(),
    deploys: [],
    target: null,
    backend: null,
    freezes: [freeze()],
  };
  const plan = decideAutoRollback(s, ON, true, NOW);
  expect(plan.decision).toBe('refused');
  expect(plan.checks.filter((c) => !c.ok).map((c) => c.condition)).toEqual([
    'one_finished_deploy',
    'rollback_target',
    'backend',
    'not_frozen',
  ]);
  expect(plan.reasons).toHaveLength(4);
});

describe('when the guard runs at all', () => {
  test('an alert opening at minSeverity or worse', () => {
    expect(shouldEvaluate(ON, 'sev1', { kind: 'opened' })).toBe(true);
    expect(shouldEvaluate({ ...ON, minSeverity: 'sev2' }, 'sev1', { kind: 'opened' })).toBe(true);
    expect(shouldEvaluate(ON, 'sev2', { kind: 'opened' })).toBe(false);
  });
  test('an alert raising the incident to minSeverity, not lowering it or staying below', () => {
    expect(shouldEvaluate(ON, 'sev1', { kind: 'raised', from: 'sev3' })).toBe(true);
    expect(shouldEvaluate(ON, 'sev2', { kind: 'raised', from: 'sev3' })).toBe(false);
    expect(
      shouldEvaluate({ ...ON, minSeverity: 'sev3' }, 'sev3', { kind: 'raised', from: 'sev1' }),
    ).toBe(false);
  });
  test('never in mode off', () => {
    expect(shouldEvaluate({ ...ON, mode: 'off' }, 'sev1', { kind: 'opened' })).toBe(false);
  });
});

test("a service's override wins key by key over the defaults", () => {
  const policy: AutoRollbackPolicy = {
    defaults: {
      mode: 'off',
      window: 30 * MIN,
      minSeverity: 'sev1',
      veto: 2 * MIN,
      cooldown: 6 * 60 * MIN,
    },
    services: { checkout: { mode: 'on', veto: 30_000 } },
    deployers: [],
    rollbacksExempt: true,
  };
  expect(settingsFor(policy, 'checkout')).toEqual({
    mode: 'on',
    windowMs: 30 * MIN,
    minSeverity: 'sev1',
    vetoMs: 30_000,
    cooldownMs: 6 * 60 * MIN,
  });
  expect(settingsFor(policy, 'payments').mode).toBe('off');
  expect(settingsFor(policy, null).mode).toBe('off');
});
