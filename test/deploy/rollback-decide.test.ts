import { describe, expect, test } from 'vitest';
import {
  decidePlan,
  decideRequest,
  type RequestState,
  type RollbackAsk,
  requested,
} from '../../src/deploy/rollback-decide.js';
import { decideFinish, type FinishState } from '../../src/deploy/rollback-finish-decide.js';
import { decideRunning, decideStep } from '../../src/deploy/rollback-step-decide.js';
import {
  type BackendFacts,
  type RollbackPolicy,
  rollbackKey,
} from '../../src/deploy/rollback-values.js';
import type { Deploy, Rollback } from '../../src/domain/deploy.js';
import type { Freeze } from '../../src/domain/freeze.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Actor } from '../../src/incidents/events.js';

// The rollback's decisions as pure functions: plain rows in, a decision value out. No SQLite,
// no clock; the service and e2e tests (rollback.test.ts, kill-during-rollback.test.ts) cover
// the shells that read, apply and commit.

const NOW = new Date('2026-11-22T12:00:00Z');
const MIN = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function deploy(id: number, version: string, extra: Partial<Deploy> = {}): Deploy {
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
    rollbackHandle: { revision: version },
    isRollback: false,
    startedAt: null,
    finishedAt: null,
    commitAt: null,
    at: ago(60 * MIN),
    receivedAt: ago(60 * MIN),
    updatedAt: ago(60 * MIN),
    ...extra,
  };
}

const V1 = deploy(1, 'v1');
const V2 = deploy(2, 'v2');

function incident(extra: Partial<Incident> = {}): Incident {
  return {
    id: 7,
    title: 'Checkout down',
    description: null,
    severity: 'sev1',
    state: 'investigating',
    ownerId: 'U0OWNER001',
    services: ['checkout'],
    environment: 'production',
    source: 'declared',
    channelId: 'C0INC7',
    channelName: 'inc-7',
    resolution: null,
    createdBy: 'U0OWNER001',
    private: false,
    impactStartedAt: null,
    detectedAt: null,
    declaredAt: ago(30 * MIN),
    acknowledgedAt: null,
    mitigatedAt: null,
    resolvedAt: null,
    ...extra,
  };
}

function rollback(extra: Partial<Rollback> = {}): Rollback {
  return {
    id: 3,
    incidentId: 7,
    service: 'checkout',
    environment: 'production',
    fromDeployId: 2,
    toDeployId: 1,
    backend: 'webhook',
    idempotencyKey: rollbackKey(7, 'checkout', 'production', 1),
    status: 'running',
    requestedBy: 'U0DEPLOYER',
    externalUrl: null,
    output: null,
    error: null,
    threadTs: null,
    channelId: null,
    operation: { run: 'r-1' },
    requestedAt: ago(5 * MIN),
    startedAt: ago(4 * MIN),
    finishedAt: null,
    ...extra,
  };
}

function freeze(extra: Partial<Freeze> = {}): Freeze {
  return {
    id: 11,
    services: ['checkout'],
    environments: ['prod*'],
    reason: 'Black Friday',
    createdBy: 'U0DEPLOYER',
    incidentId: null,
    channelId: null,
    createdAt: ago(10 * MIN),
    expiresAt: new Date(NOW.getTime() + 60 * MIN),
    liftedAt: null,
    liftedBy: null,
    blocksRollbacks: false,
    ...extra,
  };
}

const backend: BackendFacts = {
  kind: 'webhook',
  label: 'Webhook receiver',
  waitForMs: 30 * MIN,
  pollIntervalMs: 5_000,
  idempotentStart: false,
};

const policy: RollbackPolicy = {
  deployers: ['U0DEPLOYER', 'S0DEPLOYS'],
  rollbacksExempt: true,
  freezeAfterMs: 120 * MIN,
  publicUrl: null,
};

const deployer: Actor = { id: 'U0DEPLOYER', source: 'slack' };
const owner: Actor = { id: 'U0OWNER001', source: 'slack' };
const groupie: Actor = { id: 'U0GROUPIE1', source: 'slack', groups: ['S0DEPLOYS'] };
const stranger: Actor = { id: 'U0STRANGER', source: 'slack' };
const api: Actor = { id: 'ci-bot', source: 'api' };

const ask: RollbackAsk = { incidentId: 7, fromDeployId: 2, toDeployId: 1 };
const KEY = rollbackKey(7, 'checkout', 'production', 1);

/** The state of an ask that may run: v2 → v1, the owner's incident, a backend, nothing frozen. */
const ready: RequestState = {
  to: V1,
  from: V2,
  incident: incident(),
  live: null,
  last: null,
  expected: V1,
  backend,
  freezes: [],
  active: null,
};

describe('decideRequest', () => {
  const refusals: {
    name: string;
    state?: Partial<RequestState>;
    ask?: Partial<RollbackAsk>;
    actor?: Actor;
    policy?: Partial<RollbackPolicy>;
    code: string;
    message: RegExp;
  }[] = [
    {
      name: 'an unknown target',
      state: { to: null },
      code: 'not_found',
      message: /no deploy #1/,
    },
    {
      name: 'no deploy to roll back from',
      state: { from: null },
      code: 'invalid',
      message: /does not match/,
    },
    {
      name: 'a "from" of another service',
      state: { from: deploy(2, 'v2', { service: 'search' }) },
      code: 'invalid',
      message: /does not match/,
    },
    {
      name: 'a "from" in another environment',
      state: { from: deploy(2, 'v2', { environment: 'staging' }) },
      code: 'invalid',
      message: /does not match/,
    },
    {
      name: 'an incident that does not exist',
      state: { incident: null },
      code: 'not_found',
      message: /no incident INC-7/,
    },
    {
      name: 'a stale failed attempt without Retry',
      state: { last: rollback({ id: 5, status: 'failed', error: 'HTTP 500.' }) },
      code: 'conflict',
      message: /#5 of checkout in production failed: HTTP 500\. To try again, use Retry/,
    },
    {
      name: 'a Retry of another attempt than the last one',
      state: { last: rollback({ id: 5, status: 'failed', error: null }) },
      ask: { retryOf: 4 },
      code: 'conflict',
      message: /failed: no reason given/,
    },
    {
      name: 'nothing earlier to roll back to',
      state: { expected: null },
      code: 'invalid',
      message: /no earlier successful deploy of checkout in production/,
    },
    {
      name: 'a target that is no longer the right one',
      state: { expected: deploy(9, 'v1.5') },
      code: 'conflict',
      message: /target of v2 is now v1\.5, not v1/,
    },
    {
      name: 'no backend configured',
      state: { backend: null },
      code: 'invalid',
      message: /services\.checkout\.environments\.production\.rollback/,
    },
    {
      name: 'a freeze that blocks rollbacks',
      state: { freezes: [freeze({ blocksRollbacks: true })] },
      code: 'frozen',
      message: /frozen \(#11 checkout × prod\*: Black Friday\) until 2026-11-22 13:00 UTC/,
    },
    {
      name: 'any freeze, when rollbacks are not exempt',
      state: { freezes: [freeze()] },
      policy: { rollbacksExempt: false },
      code: 'frozen',
      message: /Rollbacks of checkout in production are frozen/,
    },
    {
      name: 'another rollback of the service under way',
      state: { active: rollback({ id: 4, toDeployId: 9, requestedBy: 'U0OTHER' }) },
      code: 'conflict',
      message: /already under way \(#4, by <@U0OTHER>\)\. One at a time\./,
    },
  ];

  test.each(refusals)('refuses $name', (row) => {
    const decision = decideRequest(
      { ...ready, ...row.state },
      { ...ask, ...row.ask },
      row.actor ?? deployer,
      KEY,
      { ...policy, ...row.policy },
      NOW,
    );
    expect(decision.kind).toBe('refused');
    if (decision.kind !== 'refused') return;
    expect(decision.error.code).toBe(row.code);
    expect(decision.error.message).toMatch(row.message);
    expect(decision.audit).toBeNull();
  });

  test('another rollback under way mentions who asked for it', () => {
    const decision = decideRequest(
      { ...ready, active: rollback({ id: 4, requestedBy: 'U0OTHER' }) },
      ask,
      deployer,
      KEY,
      policy,
      NOW,
    );
    expect(decision.kind === 'refused' && decision.error.mentions).toEqual(['U0OTHER']);
  });

  const permissions: {
    name: string;
    actor: Actor;
    incident: Incident | null;
    allowed: boolean;
    ask?: RegExp;
  }[] = [
    { name: 'a deployer', actor: deployer, incident: incident(), allowed: true },
    { name: 'a deployer by user group', actor: groupie, incident: incident(), allowed: true },
    { name: "the incident's owner", actor: owner, incident: incident(), allowed: true },
    { name: 'a trusted door (api)', actor: api, incident: null, allowed: true },
    {
      name: 'someone else, in an incident',
      actor: stranger,
      incident: incident(),
      allowed: false,
      ask: /Ask <@U0OWNER001> \(the incident owner\) or a deployer\./,
    },
    {
      name: 'the owner of an incident, outside it',
      actor: owner,
      incident: null,
      allowed: false,
      ask: /Ask a deployer \(permissions\.deployers in firebreak\.yaml\)\./,
    },
  ];

  test.each(permissions)('permission: $name → allowed $allowed', (row) => {
    const decision = decideRequest(
      { ...ready, incident: row.incident },
      { ...ask, incidentId: row.incident?.id ?? null },
      row.actor,
      KEY,
      policy,
      NOW,
    );
    if (row.allowed) {
      expect(decision.kind).toBe('insert');
      return;
    }
    expect(decision.kind).toBe('refused');
    if (decision.kind !== 'refused') return;
    expect(decision.error.code).toBe('forbidden');
    expect(decision.error.message).toMatch(/not allowed to roll back checkout in production/);
    expect(decision.error.message).toMatch(row.ask as RegExp);
    // The refusal is kept: in the incident's timeline, else the audit stream.
    expect(decision.audit).toEqual({
      incidentId: row.incident?.id ?? null,
      kind: 'permission_denied',
      at: NOW,
      actor: row.actor.id,
      source: 'slack',
      payload: {
        action: 'roll back checkout in production',
        service: 'checkout',
        environment: 'production',
        fromDeployId: 2,
        toDeployId: 1,
      },
    });
  });

  test('the permission check comes before "the same click again": a stranger learns nothing', () => {
    const decision = decideRequest({ ...ready, live: rollback() }, ask, stranger, KEY, policy, NOW);
    expect(decision.kind === 'refused' && decision.error.code).toBe('forbidden');
  });

  const idempotent: { name: string; state: Partial<RequestState> }[] = [
    { name: 'while it runs', state: { live: rollback(), active: rollback() } },
    { name: 'after it succeeded', state: { live: rollback({ status: 'succeeded' }) } },
    // A repeat is not a new rollback, so freezes and a moved target do not refuse it.
    {
      name: 'under a freeze, with the target moved on',
      state: {
        live: rollback(),
        freezes: [freeze({ blocksRollbacks: true })],
        expected: deploy(9, 'v1.5'),
      },
    },
  ];

  test.each(idempotent)('the same ask again $name hands back that rollback', (row) => {
    const decision = decideRequest({ ...ready, ...row.state }, ask, deployer, KEY, policy, NOW);
    expect(decision).toEqual({ kind: 'same', rollback: row.state.live });
  });

  const allowed: {
    name: string;
    state: Partial<RequestState>;
    policy?: Partial<RollbackPolicy>;
  }[] = [
    { name: 'nothing in the way', state: {} },
    { name: 'a freeze that exempts rollbacks', state: { freezes: [freeze()] } },
    {
      name: 'a freeze of another service',
      state: { freezes: [freeze({ services: ['search'], blocksRollbacks: true })] },
      policy: { rollbacksExempt: false },
    },
    {
      name: 'a freeze that has expired',
      state: { freezes: [freeze({ blocksRollbacks: true, expiresAt: NOW })] },
    },
    {
      name: 'a lifted freeze',
      state: { freezes: [freeze({ blocksRollbacks: true, liftedAt: ago(MIN) })] },
    },
    {
      name: 'a deliberate Retry of the failed attempt',
      state: { last: rollback({ id: 5, status: 'failed' }) },
    },
    {
      name: 'an earlier attempt that succeeded',
      state: { last: rollback({ id: 5, status: 'succeeded' }) },
    },
  ];

  test.each(allowed)('inserts with $name', (row) => {
    const decision = decideRequest(
      { ...ready, ...row.state },
      { ...ask, retryOf: 5 },
      deployer,
      KEY,
      { ...policy, ...row.policy },
      NOW,
    );
    expect(decision).toEqual({
      kind: 'insert',
      values: {
        incidentId: 7,
        service: 'checkout',
        environment: 'production',
        fromDeployId: 2,
        toDeployId: 1,
        backend: 'webhook',
        idempotencyKey: KEY,
        requestedBy: 'U0DEPLOYER',
        channelId: null,
        requestedAt: NOW,
      },
      from: V2,
      to: V1,
      backend,
    });
  });

  test('outside an incident progress goes to the channel it was asked in; inside, never', () => {
    const outside = decideRequest(
      { ...ready, incident: null },
      { ...ask, incidentId: null, channelId: 'C0OPS' },
      deployer,
      rollbackKey(null, 'checkout', 'production', 1),
      policy,
      NOW,
    );
    const inside = decideRequest(ready, { ...ask, channelId: 'C0OPS' }, deployer, KEY, policy, NOW);
    expect(outside.kind === 'insert' && outside.values).toMatchObject({
      incidentId: null,
      channelId: 'C0OPS',
      idempotencyKey: 'none:checkout:production:1',
    });
    expect(inside.kind === 'insert' && inside.values.channelId).toBeNull();
  });
});

describe('requested', () => {
  test.each([
    { name: 'in an incident', row: rollback({ status: 'requested' }), publish: 7 },
    {
      name: 'in a channel',
      row: rollback({ status: 'requested', incidentId: null, channelId: 'C0OPS' }),
      publish: null,
    },
  ])('$name: one entry, a message that starts the thread, the first step', ({ row, publish }) => {
    const writes = requested(row, V2, V1, backend, NOW);
    expect(writes.timeline).toEqual([
      {
        incidentId: row.incidentId,
        kind: 'rollback_requested',
        at: NOW,
        actor: 'U0DEPLOYER',
        source: 'slack',
        payload: {
          rollbackId: 3,
          service: 'checkout',
          environment: 'production',
          from: 'v2',
          to: 'v1',
          fromDeployId: 2,
          toDeployId: 1,
          backend: 'webhook',
        },
      },
    ]);
    expect(writes.notices).toEqual([
      {
        to: { incidentId: row.incidentId, channelId: row.channelId, remember: 'rollback:3' },
        notice: {
          type: 'rollback_requested',
          rollbackId: 3,
          by: 'U0DEPLOYER',
          service: 'checkout',
          environment: 'production',
          from: 'v2',
          to: 'v1',
          backend: 'Webhook receiver',
        },
      },
    ]);
    expect(writes.steps).toEqual([
      { lane: 'deploy:checkout:production', payload: { rollbackId: 3 } },
    ]);
    expect(writes.publish).toBe(publish);
  });
});

describe('decidePlan', () => {
  const base = {
    service: 'checkout',
    environment: 'production',
    from: V2,
    to: V1,
    backend,
    last: null,
  };
  test.each([
    { name: 'no deploys yet', state: { from: null, to: null }, problem: /No deploys of checkout/ },
    { name: 'nothing earlier', state: { to: null }, problem: /no earlier successful deploy/ },
    { name: 'no backend', state: { backend: null }, problem: /No rollback backend/ },
    { name: 'runnable', state: {}, problem: null },
  ])('$name', ({ state, problem }) => {
    const plan = decidePlan({ ...base, ...state });
    if (problem === null) expect(plan.problem).toBeNull();
    else expect(plan.problem).toMatch(problem);
  });

  test('a failed last attempt makes the plan a retry of it; any other outcome does not', () => {
    const failed = rollback({ id: 5, status: 'failed', error: 'HTTP 500.' });
    expect(decidePlan({ ...base, last: failed }).lastFailed).toEqual({ id: 5, error: 'HTTP 500.' });
    expect(decidePlan({ ...base, last: rollback({ status: 'succeeded' }) }).lastFailed).toBeNull();
    expect(decidePlan(base)).toMatchObject({ backend: 'Webhook receiver', lastFailed: null });
  });
});

describe('decideStep', () => {
  const idempotentBackend = { ...backend, idempotentStart: true };
  test.each([
    { name: 'an unknown rollback', row: null, want: { kind: 'none' } },
    { name: 'a succeeded one', row: rollback({ status: 'succeeded' }), want: { kind: 'none' } },
    { name: 'a failed one', row: rollback({ status: 'failed' }), want: { kind: 'none' } },
    {
      name: 'a target that is gone',
      row: rollback(),
      to: null,
      want: { kind: 'fail', reason: 'The target deploy is gone.' },
    },
    {
      name: 'a backend no longer configured',
      row: rollback(),
      backend: null,
      want: { kind: 'fail', reason: expect.stringMatching(/^No rollback backend is configured/) },
    },
    {
      name: 'a crash mid-start, backend safe to start again',
      row: rollback({ operation: null }),
      backend: idempotentBackend,
      want: { kind: 'start', running: null },
    },
    {
      name: 'a crash mid-start, backend not safe to start again',
      row: rollback({ operation: null }),
      want: {
        kind: 'fail',
        reason:
          'firebreak stopped while starting this rollback, so it may or may not have started in Webhook receiver. Check there before retrying.',
      },
    },
    {
      name: 'a running one within its wait',
      row: rollback({ startedAt: ago(30 * MIN) }),
      want: { kind: 'poll', operation: { run: 'r-1' } },
    },
    {
      name: 'a running one past its wait',
      row: rollback({ startedAt: ago(30 * MIN + 1) }),
      want: { kind: 'fail', reason: 'Webhook receiver did not report a result within 30 min.' },
    },
    {
      name: 'a running one without a start time, timed from the request',
      row: rollback({ startedAt: null, requestedAt: ago(31 * MIN) }),
      want: { kind: 'fail', reason: expect.stringMatching(/did not report a result/) },
    },
  ])('$name', (row) => {
    const decision = decideStep(
      {
        row: row.row,
        to: 'to' in row ? (row.to ?? null) : V1,
        backend: 'backend' in row ? (row.backend ?? null) : backend,
      },
      NOW,
    );
    expect(decision).toEqual(row.want);
  });

  test('the first step marks it running and records the start before the backend is called', () => {
    expect(
      decideStep({ row: rollback({ status: 'requested', operation: null }), to: V1, backend }, NOW),
    ).toEqual({
      kind: 'start',
      running: {
        at: NOW,
        entry: {
          incidentId: 7,
          kind: 'rollback_started',
          at: NOW,
          actor: 'firebreak',
          source: 'firebreak',
          payload: {
            rollbackId: 3,
            service: 'checkout',
            environment: 'production',
            backend: 'webhook',
          },
        },
      },
    });
  });
});

describe('decideRunning', () => {
  const progress = {
    status: 'running' as const,
    operation: { run: 'r-2' },
    url: 'https://ci.example/run/2',
    detail: 'queued',
  };

  test.each([
    { name: 'gone', current: null },
    { name: 'finished by a callback meanwhile', current: rollback({ status: 'succeeded' }) },
    { name: 'failed meanwhile', current: rollback({ status: 'failed' }) },
  ])('writes nothing when the rollback is $name', ({ current }) => {
    expect(decideRunning(current, progress, true, backend)).toEqual({ kind: 'none' });
  });

  test('the first answer is announced in the thread once; every answer schedules the next poll', () => {
    const first = decideRunning(rollback({ operation: null }), progress, true, backend);
    const later = decideRunning(
      rollback(),
      { status: 'running', operation: { run: 'r-2' } },
      false,
      backend,
    );
    const next = { lane: 'deploy:checkout:production', payload: { rollbackId: 3 }, delayMs: 5_000 };
    expect(first).toEqual({
      kind: 'running',
      operation: { run: 'r-2' },
      externalUrl: 'https://ci.example/run/2',
      writes: {
        timeline: [],
        notices: [
          {
            to: { incidentId: 7, channelId: null, threadKey: 'rollback:3' },
            notice: {
              type: 'rollback_started',
              rollbackId: 3,
              detail: 'queued',
              url: 'https://ci.example/run/2',
            },
          },
        ],
        steps: [next],
        publish: null,
      },
    });
    expect(later.kind === 'running' && later.writes.notices).toEqual([]);
    expect(later.kind === 'running' && later.writes.steps).toEqual([next]);
  });

  test('an answer without a URL keeps the one stored', () => {
    const decision = decideRunning(
      rollback({ externalUrl: 'https://ci.example/run/1' }),
      { status: 'running', operation: {} },
      false,
      backend,
    );
    expect(decision.kind === 'running' && decision.externalUrl).toBe('https://ci.example/run/1');
  });
});

describe('decideFinish', () => {
  const state: FinishState = {
    row: rollback(),
    to: V1,
    from: V2,
    incident: incident(),
    freezes: [],
  };
  const success = { status: 'succeeded' as const, url: 'https://ci.example/run/1', output: 'ok' };
  const failure = { status: 'failed' as const, reason: 'HTTP 500.', output: 'boom' };

  test.each([
    { name: 'unknown', row: null, want: 'unknown' },
    { name: 'already succeeded', row: rollback({ status: 'succeeded' }), want: 'already' },
    { name: 'already failed', row: rollback({ status: 'failed' }), want: 'already' },
  ])('an outcome for a rollback $name changes nothing', ({ row, want }) => {
    for (const progress of [success, failure]) {
      expect(decideFinish({ ...state, row }, progress, policy, NOW)).toEqual({ kind: want });
    }
  });

  test('a failure: recorded with its reason, a broadcast message with Retry, no deploy, no freeze', () => {
    const decision = decideFinish(state, failure, policy, NOW);
    expect(decision).toEqual({
      kind: 'finish',
      outcome: {
        status: 'failed',
        finishedAt: NOW,
        startedAt: ago(4 * MIN),
        externalUrl: null,
        output: 'boom',
        error: 'HTTP 500.',
      },
      entry: {
        incidentId: 7,
        kind: 'rollback_failed',
        at: NOW,
        actor: 'firebreak',
        source: 'firebreak',
        payload: {
          rollbackId: 3,
          service: 'checkout',
          environment: 'production',
          to: 'v1',
          url: null,
          reason: 'HTTP 500.',
        },
      },
      deploy: null,
      freeze: null,
      notice: {
        to: { incidentId: 7, channelId: null, threadKey: 'rollback:3', broadcast: true },
        notice: {
          type: 'rollback_failed',
          rollbackId: 3,
          service: 'checkout',
          environment: 'production',
          to: 'v1',
          reason: 'HTTP 500.',
          url: null,
          output: 'boom',
          retry: { incidentId: 7, deployId: 2, toDeployId: 1, retryOf: 3 },
        },
      },
      publish: 7,
    });
  });

  test('a success: the target version is a deploy of its own, and the service is frozen', () => {
    const decision = decideFinish(state, success, policy, NOW);
    if (decision.kind !== 'finish') throw new Error(decision.kind);
    expect(decision.outcome).toMatchObject({ status: 'succeeded', error: null, output: 'ok' });
    expect(decision.entry).toMatchObject({ kind: 'rollback_succeeded', payload: { to: 'v1' } });
    expect(decision.deploy).toMatchObject({
      source: 'firebreak',
      dedupeKey: 'firebreak:rollback:3',
      service: 'checkout',
      environment: 'production',
      status: 'succeeded',
      version: 'v1',
      previousVersion: 'v2',
      sha: 'sha-v1',
      actor: 'U0DEPLOYER',
      url: 'https://ci.example/run/1',
      rollbackHandle: { revision: 'v1' },
      isRollback: true,
      at: NOW,
    });
    expect(decision.freeze).toEqual({
      services: ['checkout'],
      environments: ['production'],
      durationMs: 120 * MIN,
      reason: 'Rolled back to v1 for INC-7; deploy the fix on purpose.',
      incidentId: 7,
      channelId: null,
    });
    expect(decision.notice.notice).toMatchObject({
      type: 'rollback_succeeded',
      to: 'v1',
      url: 'https://ci.example/run/1',
      mitigate: 7,
    });
    expect(decision.publish).toBe(7);
  });

  test.each([
    { name: 'freezing after a rollback is off', freezeAfterMs: null, freezes: [], made: false },
    { name: 'a freeze already covers it', freezeAfterMs: MIN, freezes: [freeze()], made: false },
    {
      name: 'the only freeze is of another environment',
      freezeAfterMs: MIN,
      freezes: [freeze({ environments: ['staging'] })],
      made: true,
    },
    {
      name: 'the only freeze has expired',
      freezeAfterMs: MIN,
      freezes: [freeze({ expiresAt: ago(1) })],
      made: true,
    },
  ])('a success when $name: freeze made $made', ({ freezeAfterMs, freezes, made }) => {
    const decision = decideFinish({ ...state, freezes }, success, { freezeAfterMs }, NOW);
    expect(decision.kind === 'finish' && decision.freeze !== null).toBe(made);
  });

  test.each([
    { name: 'an open incident not yet mitigated', incident: incident(), mitigate: 7 },
    { name: 'a mitigated incident', incident: incident({ mitigatedAt: ago(MIN) }), mitigate: null },
    { name: 'a resolved incident', incident: incident({ state: 'resolved' }), mitigate: null },
    { name: 'no incident', incident: null, mitigate: null },
  ])('Mark mitigated is offered for $name: $mitigate', ({ incident, mitigate }) => {
    const decision = decideFinish({ ...state, incident }, success, policy, NOW);
    expect(decision.kind === 'finish' && decision.notice.notice).toMatchObject({ mitigate });
  });

  test('outside an incident: the thread is in the channel, the freeze names no incident', () => {
    const decision = decideFinish(
      { ...state, row: rollback({ incidentId: null, channelId: 'C0OPS' }), incident: null },
      success,
      policy,
      NOW,
    );
    if (decision.kind !== 'finish') throw new Error(decision.kind);
    expect(decision.notice.to).toEqual({
      incidentId: null,
      channelId: 'C0OPS',
      threadKey: 'rollback:3',
      broadcast: true,
    });
    expect(decision.freeze?.reason).toBe('Rolled back to v1; deploy the fix on purpose.');
    expect(decision.freeze?.channelId).toBe('C0OPS');
    expect(decision.publish).toBeNull();
  });

  test('long output and reasons are clipped from the front; a missing start time is now', () => {
    const long = 'x'.repeat(5000);
    const decision = decideFinish(
      { ...state, row: rollback({ startedAt: null }) },
      { status: 'failed', reason: long, output: long },
      policy,
      NOW,
    );
    if (decision.kind !== 'finish') throw new Error(decision.kind);
    expect(decision.outcome.startedAt).toBe(NOW);
    expect(decision.outcome.output).toHaveLength(4000);
    expect(decision.outcome.error).toHaveLength(2000);
    expect(decision.outcome.error?.startsWith('…')).toBe(true);
    expect(decision.notice.notice).toMatchObject({ output: expect.any(String) });
    expect((decision.notice.notice as { output: string }).output).toHaveLength(1500);
  });
});
