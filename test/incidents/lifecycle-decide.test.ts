// The lifecycle's decisions, pure: plain incidents in, plain decisions out; no database.
// The shell that carries them out is covered by service.test.ts and the end-to-end tests.
import { describe, expect, test } from 'vitest';
import type { Incident, OpenState, State } from '../../src/domain/incident.js';
import { STATES } from '../../src/domain/incident.js';
import { decideDeclare, TITLE_MAX } from '../../src/incidents/declare-decide.js';
import type { Actor } from '../../src/incidents/events.js';
import {
  decideLifecycle,
  decideMayResolve,
  type LifecycleCommand,
  type LifecyclePolicy,
} from '../../src/incidents/lifecycle-decide.js';
import type { Changed, Decision, LifecycleState } from '../../src/incidents/lifecycle-decision.js';
import { isPrivileged } from '../../src/incidents/lifecycle-permissions.js';

const at = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(at.getTime() + n * 60_000);

const owner: Actor = { id: 'U0OWNER01', source: 'slack' };
const stranger: Actor = { id: 'U0STRANGE', source: 'slack', groups: ['S0OTHER01'] };
const commander: Actor = { id: 'U0CMD0001', source: 'slack' };
const deployerById: Actor = { id: 'U0DEPLOY1', source: 'slack' };
const deployerByGroup: Actor = { id: 'U0GRP0001', source: 'slack', groups: ['S0DEPLOY1'] };
const pagerduty: Actor = { id: 'pagerduty:PXYZ', source: 'pagerduty' };
const bot: Actor = { id: 'firebreak', source: 'firebreak' };

const policy: LifecyclePolicy = {
  defaultEnvironment: 'production',
  reminders: { sev1: 30 * 60_000, sev2: 60 * 60_000 },
  unownedReminderMs: 10 * 60_000,
  deployers: ['S0DEPLOY1', 'U0DEPLOY1'],
  commanders: ['U0CMD0001'],
  archiveAfterMs: 3_600_000,
};

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 7,
    title: 'Checkout returns 500',
    description: null,
    severity: 'sev2',
    state: 'investigating',
    ownerId: owner.id,
    services: ['checkout'],
    environment: 'production',
    source: 'declared',
    channelId: 'C0INC0007',
    channelName: 'inc-7-checkout',
    impactStartedAt: null,
    detectedAt: minutes(-30),
    declaredAt: minutes(-30),
    acknowledgedAt: minutes(-30),
    mitigatedAt: null,
    resolvedAt: null,
    resolution: null,
    createdBy: owner.id,
    private: false,
    ...over,
  };
}

const stateOf = (over: Partial<Incident> = {}, nextUpdateDueAt: Date | null = null) => ({
  incident: incident(over),
  nextUpdateDueAt,
});

const decide = (state: LifecycleState | null, command: LifecycleCommand) =>
  decideLifecycle(state, command, policy, at);

function changed(decision: Decision): Changed {
  expect(decision.type).toBe('changed');
  return decision as Changed;
}

/** The refusal's code, and whether it leaves an audit entry; or the decision's type. */
function outcome(decision: Decision): string {
  if (decision.type !== 'refused') return decision.type;
  return `${decision.error.code}${decision.audit ? '+audit' : ''}`;
}

describe('who may act for the owner', () => {
  test.each([
    ['the owner', owner, true],
    ['a commander', commander, true],
    ['a deployer, by user id', deployerById, true],
    ['a deployer, by user group', deployerByGroup, true],
    ['anyone else in Slack', stranger, false],
    ['PagerDuty (a trusted door)', pagerduty, true],
    ['the bot itself', bot, true],
  ])('%s: %s', (_who, actor, allowed) => {
    expect(isPrivileged({ ownerId: owner.id }, actor, policy)).toBe(allowed);
  });

  test('nobody owns it: only the configured people, not a stranger', () => {
    expect(isPrivileged({ ownerId: null }, stranger, policy)).toBe(false);
    expect(isPrivileged({ ownerId: null }, commander, policy)).toBe(true);
  });
});

describe('guarded commands', () => {
  const cases: [string, Partial<Incident>, LifecycleCommand['type'], Actor, string][] = [
    // Handing over
    ['a stranger hands over an owned incident', {}, 'set_owner', stranger, 'forbidden+audit'],
    ['a commander hands it over', {}, 'set_owner', commander, 'changed'],
    ['a deployer (group) hands it over', {}, 'set_owner', deployerByGroup, 'changed'],
    ['a stranger takes an unowned incident', { ownerId: null }, 'set_owner', stranger, 'changed'],
    ['PagerDuty hands it over', {}, 'set_owner', pagerduty, 'changed'],
    // Severity: lowering is guarded, raising is open
    ['a stranger lowers the severity', {}, 'set_severity', stranger, 'forbidden+audit'],
    ['the owner lowers the severity', {}, 'set_severity', owner, 'changed'],
    // Resolving
    ['a stranger resolves an owned incident', {}, 'resolve', stranger, 'forbidden+audit'],
    ['the owner resolves', {}, 'resolve', owner, 'resolve'],
    ['a stranger resolves an unowned incident', { ownerId: null }, 'resolve', stranger, 'resolve'],
    // A resolved incident is not guarded from resolving again: it is a repeat
    ['a stranger resolves it again', { state: 'resolved' }, 'resolve', stranger, 'unchanged'],
    // Reopening
    ['a stranger reopens', { state: 'resolved' }, 'reopen', stranger, 'forbidden+audit'],
    ['a commander reopens', { state: 'resolved' }, 'reopen', commander, 'changed'],
    [
      'a stranger reopens an unowned one',
      { state: 'resolved', ownerId: null },
      'reopen',
      stranger,
      'changed',
    ],
  ];
  const command = (type: LifecycleCommand['type'], actor: Actor): LifecycleCommand => {
    switch (type) {
      case 'set_owner':
        return { type, id: 7, actor, ownerId: 'U0NEWOWNR', announce: true };
      case 'set_severity':
        return { type, id: 7, actor, severity: 'sev4' };
      case 'resolve':
        return { type, id: 7, actor, summary: 'rolled back' };
      case 'reopen':
        return { type, id: 7, actor, reason: 'errors are back' };
      default:
        throw new Error(`no guarded command ${type}`);
    }
  };

  test.each(cases)('%s', (_case, over, type, actor, expected) => {
    expect(outcome(decide(stateOf(over), command(type, actor)))).toBe(expected);
  });

  test('a refusal names the owner, mentions them, and leaves an audit entry', () => {
    const decision = decide(stateOf(), command('resolve', stranger));
    expect(decision).toMatchObject({
      type: 'refused',
      error: {
        code: 'forbidden',
        message: `You are not allowed to resolve INC-7. Ask <@${owner.id}> or a configured commander.`,
        mentions: [owner.id],
      },
      audit: {
        kind: 'permission_denied',
        at,
        actor: stranger.id,
        source: 'slack',
        payload: { action: 'resolve' },
      },
    });
  });

  test('raising the severity is open to everyone', () => {
    const decision = decide(stateOf(), {
      type: 'set_severity',
      id: 7,
      actor: stranger,
      severity: 'sev1',
    });
    expect(changed(decision).write).toMatchObject({ severity: 'sev1' });
  });

  test('the permission is checked before whether it is open: a stranger on a resolved incident is refused for permission', () => {
    const decision = decide(stateOf({ state: 'resolved' }), command('set_owner', stranger));
    expect(outcome(decision)).toBe('forbidden+audit');
    expect(outcome(decide(stateOf({ state: 'resolved' }), command('set_owner', owner)))).toBe(
      'conflict',
    );
  });

  test('before the resolve form: refused with its audit entry, or nothing to say', () => {
    expect(decideMayResolve(stateOf(), 7, stranger, policy, at)).toMatchObject({
      error: { code: 'forbidden' },
      audit: { kind: 'permission_denied', payload: { action: 'resolve' } },
    });
    expect(decideMayResolve(stateOf(), 7, deployerById, policy, at)).toBeNull();
    expect(decideMayResolve(stateOf({ ownerId: null }), 7, stranger, policy, at)).toBeNull();
    expect(decideMayResolve(null, 7, owner, policy, at)?.error.code).toBe('not_found');
  });
});

describe('state transitions', () => {
  const open = STATES.filter((s): s is OpenState => s !== 'resolved');
  const table = STATES.flatMap((from) =>
    open.map((to) => {
      const expected =
        from === 'resolved'
          ? 'conflict'
          : from === to
            ? 'unchanged'
            : to === 'triage'
              ? 'invalid'
              : 'changed';
      return [from, to, expected] as [State, OpenState, string];
    }),
  );

  test.each(table)('%s → %s: %s', (from, to, expected) => {
    const decision = decide(stateOf({ state: from }), {
      type: 'set_state',
      id: 7,
      actor: owner,
      state: to,
    });
    expect(outcome(decision)).toBe(expected);
  });

  test('leaving triage acknowledges; going to monitoring mitigates; each milestone once, events in order', () => {
    const decision = changed(
      decide(stateOf({ state: 'triage', acknowledgedAt: null }), {
        type: 'set_state',
        id: 7,
        actor: owner,
        state: 'monitoring',
      }),
    );
    expect(decision.write).toEqual({
      state: 'monitoring',
      acknowledgedAt: at,
      mitigatedAt: at,
      updatedAt: at,
    });
    expect(decision.after).toEqual([
      { emit: { type: 'state_changed', from: 'triage' } },
      {
        post: { type: 'state_changed', by: owner.id, from: 'triage', to: 'monitoring' },
        announce: false,
      },
      { emit: { type: 'acknowledged' } },
      { emit: { type: 'mitigated' } },
    ]);
  });

  test('milestones already set stay as they were', () => {
    const mitigatedAt = minutes(-10);
    const decision = changed(
      decide(stateOf({ state: 'investigating', mitigatedAt }), {
        type: 'set_state',
        id: 7,
        actor: owner,
        state: 'monitoring',
      }),
    );
    expect(decision.write).toMatchObject({ mitigatedAt, acknowledgedAt: minutes(-30) });
    expect(decision.after.map((s) => ('emit' in s ? s.emit.type : s.post.type))).toEqual([
      'state_changed',
      'state_changed',
    ]);
    // Leaving monitoring does not touch the mitigation time.
    const back = changed(
      decide(stateOf({ state: 'monitoring', mitigatedAt }), {
        type: 'set_state',
        id: 7,
        actor: owner,
        state: 'investigating',
      }),
    );
    expect(back.write?.mitigatedAt).toBeUndefined();
  });

  test('acknowledging takes triage to investigating and gives an unowned incident to the Slack user', () => {
    const decision = changed(
      decide(stateOf({ state: 'triage', acknowledgedAt: null, ownerId: null }), {
        type: 'acknowledge',
        id: 7,
        actor: stranger,
      }),
    );
    expect(decision.write).toEqual({
      acknowledgedAt: at,
      state: 'investigating',
      ownerId: stranger.id,
      ownerReminderAt: null,
      updatedAt: at,
    });
    expect(decision.record.map((e) => [e.kind, e.payload])).toEqual([
      ['acknowledged', { from: 'triage' }],
      ['owner_changed', { from: null, to: stranger.id }],
    ]);
  });

  test('an acknowledge from PagerDuty keeps its own time and gives nobody the incident', () => {
    const when = minutes(-2);
    const decision = changed(
      decide(stateOf({ state: 'triage', acknowledgedAt: null, ownerId: null }), {
        type: 'acknowledge',
        id: 7,
        actor: pagerduty,
        when,
      }),
    );
    expect(decision.write).toMatchObject({ acknowledgedAt: when, ownerId: null });
    expect(decision.write?.ownerReminderAt).toBeUndefined();
    expect(decision.record).toEqual([
      {
        kind: 'acknowledged',
        at: when,
        actor: pagerduty.id,
        source: 'pagerduty',
        payload: { from: 'triage' },
      },
    ]);
  });

  test('marking it mitigated moves it to monitoring and acknowledges it if nobody had', () => {
    const decision = changed(
      decide(stateOf({ state: 'triage', acknowledgedAt: null }), {
        type: 'mitigate',
        id: 7,
        actor: owner,
      }),
    );
    expect(decision.write).toEqual({
      mitigatedAt: at,
      acknowledgedAt: at,
      state: 'monitoring',
      updatedAt: at,
    });
    expect(decision.after).toEqual([{ emit: { type: 'mitigated' } }]);
  });

  test('reopening goes back to investigating with a fresh reminder, and says why', () => {
    const resolvedAt = minutes(-5);
    const decision = changed(
      decide(stateOf({ state: 'resolved', resolvedAt }), {
        type: 'reopen',
        id: 7,
        actor: owner,
        reason: '  errors are back ',
      }),
    );
    expect(decision.write).toEqual({
      state: 'investigating',
      resolvedAt: null,
      nextUpdateDueAt: minutes(60),
      updatedAt: at,
    });
    expect(decision.record[0]?.payload).toEqual({
      reason: 'errors are back',
      resolvedAt: resolvedAt.toISOString(),
    });
    expect(decision.after).toEqual([
      { emit: { type: 'reopened', reason: 'errors are back' } },
      { post: { type: 'reopened', by: owner.id, reason: 'errors are back' }, announce: true },
    ]);
  });

  test.each([
    ['acknowledge', { type: 'acknowledge', id: 7, actor: owner }],
    ['set_owner', { type: 'set_owner', id: 7, actor: owner, ownerId: 'U0NEWOWNR', announce: true }],
    ['set_severity', { type: 'set_severity', id: 7, actor: owner, severity: 'sev1' }],
    ['mitigate', { type: 'mitigate', id: 7, actor: owner }],
    ['status_update', { type: 'status_update', id: 7, actor: owner, text: 'still looking' }],
    ['reopen an open incident', { type: 'reopen', id: 7, actor: owner, reason: 'why not' }],
  ] as [string, LifecycleCommand][])('%s on a resolved incident is a conflict', (name, command) => {
    const state = stateOf({ state: name.startsWith('reopen') ? 'investigating' : 'resolved' });
    expect(outcome(decide(state, command))).toBe('conflict');
  });
});

describe('repeats change nothing', () => {
  test.each([
    ['a second acknowledge', {}, { type: 'acknowledge', id: 7, actor: stranger }],
    [
      'the same owner again',
      {},
      { type: 'set_owner', id: 7, actor: stranger, ownerId: owner.id, announce: true },
    ],
    [
      'the same severity again',
      {},
      { type: 'set_severity', id: 7, actor: stranger, severity: 'sev2' },
    ],
    [
      'the same state again',
      {},
      { type: 'set_state', id: 7, actor: owner, state: 'investigating' },
    ],
    ['mitigating twice', { mitigatedAt: minutes(-1) }, { type: 'mitigate', id: 7, actor: owner }],
    [
      'resolving twice',
      { state: 'resolved' },
      { type: 'resolve', id: 7, actor: owner, summary: 'x' },
    ],
  ] as [string, Partial<Incident>, LifecycleCommand][])('%s', (_case, over, command) => {
    const state = stateOf(over);
    expect(decide(state, command)).toEqual({ type: 'unchanged', incident: state.incident });
  });

  test('services it already has are not added again, nor noted', () => {
    const decision = changed(
      decide(stateOf(), {
        type: 'add_services',
        id: 7,
        actor: owner,
        services: ['checkout', 'payments', 'payments'],
      }),
    );
    expect(decision.addServices).toEqual(['payments']);
    expect(decision.record.map((e) => e.payload)).toEqual([{ text: 'Services added: payments' }]);
    const again = changed(
      decide(stateOf({ services: ['checkout', 'payments'] }), {
        type: 'add_services',
        id: 7,
        actor: owner,
        services: ['payments'],
      }),
    );
    expect(again).toMatchObject({ addServices: [], record: [], publish: true });
  });
});

describe('severity and the reminder clock', () => {
  test.each([
    ['no reminder due yet: sev1 sets one', null, 'sev1', minutes(30)],
    ['a later reminder is brought forward', minutes(50), 'sev1', minutes(30)],
    ['an earlier reminder stays', minutes(10), 'sev1', undefined],
    ['a severity without reminders leaves it', minutes(50), 'sev3', undefined],
  ] as [string, Date | null, 'sev1' | 'sev3', Date | undefined][])(
    '%s',
    (_case, current, severity, expected) => {
      const decision = changed(
        decide(stateOf({ severity: 'sev2' }, current), {
          type: 'set_severity',
          id: 7,
          actor: owner,
          severity,
        }),
      );
      expect(decision.write?.nextUpdateDueAt).toEqual(expected);
    },
  );

  test('a status update restarts the clock and is announced', () => {
    const decision = changed(
      decide(stateOf({ severity: 'sev1' }, minutes(5)), {
        type: 'status_update',
        id: 7,
        actor: owner,
        text: ' Rolled back ',
      }),
    );
    expect(decision.write).toEqual({ nextUpdateDueAt: minutes(30), updatedAt: at });
    expect(decision.after).toEqual([
      { post: { type: 'status_update', by: owner.id, text: 'Rolled back' }, announce: true },
    ]);
  });

  test('handing over without an announcement (the caller posts its own)', () => {
    const decision = changed(
      decide(stateOf(), {
        type: 'set_owner',
        id: 7,
        actor: pagerduty,
        ownerId: 'U0NEWOWNR',
        announce: false,
      }),
    );
    expect(decision.after).toEqual([{ emit: { type: 'owner_changed', from: owner.id } }]);
  });

  test('a note is posted but leaves the card alone, on open and resolved incidents alike', () => {
    for (const state of ['investigating', 'resolved'] as const) {
      const decision = changed(
        decide(stateOf({ state }), { type: 'note', id: 7, actor: owner, text: ' hi ' }),
      );
      expect(decision.publish).toBe(false);
      expect(decision.write).toBeUndefined();
      expect(decision.after).toEqual([
        { post: { type: 'note_added', by: owner.id, text: 'hi' }, announce: false },
      ]);
    }
  });
});

describe('input and missing incidents', () => {
  test.each([
    ['reopen', { type: 'reopen', id: 9, actor: owner, reason: ' ' }, 'invalid', /Say why/],
    [
      'status update',
      { type: 'status_update', id: 9, actor: owner, text: '' },
      'invalid',
      /needs some text/,
    ],
    ['note', { type: 'note', id: 9, actor: owner, text: '\n' }, 'invalid', /needs some text/],
    ['acknowledge', { type: 'acknowledge', id: 9, actor: owner }, 'not_found', /no incident INC-9/],
  ] as [string, LifecycleCommand, string, RegExp][])(
    'empty text is refused before the incident is looked for: %s',
    (_case, command, code, message) => {
      const decision = decide(null, command);
      expect(decision.type).toBe('refused');
      if (decision.type !== 'refused') return;
      expect(decision.error.code).toBe(code);
      expect(decision.error.message).toMatch(message);
      expect(decision.audit).toBeUndefined();
    },
  );
});

describe('declaring', () => {
  test.each([
    ['', /needs a title/],
    ['   ', /needs a title/],
    ['x'.repeat(TITLE_MAX + 1), /keep it under 150/],
  ])('a bad title is refused (%#)', (title, message) => {
    const decision = decideDeclare({ title, severity: 'sev3' }, [], owner, policy, at);
    expect(decision.type).toBe('refused');
    if (decision.type === 'refused') expect(decision.error.message).toMatch(message);
  });

  test.each([
    ['a Slack user owns what they declare', owner, undefined, owner.id],
    ['another door declares unowned', pagerduty, undefined, null],
    ['an owner named in the form', owner, 'U0OTHER01', 'U0OTHER01'],
    ['explicitly nobody', owner, null, null],
  ] as [string, Actor, string | null | undefined, string | null][])(
    '%s',
    (_case, actor, ownerId, expected) => {
      const decision = decideDeclare(
        { title: 'x', severity: 'sev2', ...(ownerId === undefined ? {} : { ownerId }) },
        [],
        actor,
        policy,
        at,
      );
      expect(decision.type === 'open' && decision.opening.incident.ownerId).toBe(expected);
    },
  );

  test('a private declaration opens a private incident and says so on its first timeline entry', () => {
    const decision = decideDeclare(
      { title: 'Payroll leak', severity: 'sev1', private: true },
      [],
      owner,
      policy,
      at,
    );
    expect(decision).toMatchObject({
      type: 'open',
      opening: { incident: { private: true }, opened: { payload: { private: true } } },
    });
    const plain = decideDeclare({ title: 'Slow', severity: 'sev3' }, [], owner, policy, at);
    expect(plain.type === 'open' && plain.opening.incident.private).toBe(false);
    expect(plain.type === 'open' && 'private' in plain.opening.opened.payload).toBe(false);
  });

  test('the opening: trimmed, acknowledged, the environment lowercased, services once, the message first', () => {
    const posted = minutes(-5);
    const decision = decideDeclare(
      {
        title: '  Checkout returns 500 ',
        severity: 'sev1',
        environment: ' Staging ',
        description: '  ',
        fromMessage: { text: 'seeing 500s', userId: null, permalink: 'https://x/p1', at: posted },
      },
      ['checkout', 'checkout'],
      owner,
      policy,
      at,
    );
    expect(decision).toEqual({
      type: 'open',
      opening: {
        incident: {
          title: 'Checkout returns 500',
          description: null,
          severity: 'sev1',
          state: 'investigating',
          ownerId: owner.id,
          environment: 'staging',
          source: 'declared',
          createdBy: owner.id,
          impactStartedAt: posted,
          detectedAt: at,
          declaredAt: at,
          acknowledgedAt: at,
          private: false,
        },
        services: ['checkout'],
        opened: {
          kind: 'incident_declared',
          actor: owner.id,
          source: 'slack',
          payload: {
            title: 'Checkout returns 500',
            severity: 'sev1',
            services: ['checkout'],
            environment: 'staging',
            ownerId: owner.id,
          },
        },
      },
      fromMessage: {
        kind: 'note',
        at: posted,
        actor: owner.id,
        source: 'slack',
        payload: { text: 'seeing 500s', permalink: 'https://x/p1', declaredFrom: true },
      },
    });
  });

  test('no environment given: the default', () => {
    const decision = decideDeclare({ title: 'x', severity: 'sev2' }, [], owner, policy, at);
    expect(decision.type === 'open' && decision.opening.incident.environment).toBe('production');
  });
});
