import { describe, expect, test } from 'vitest';
import {
  type AlertFreezeTiming,
  decideAlertFreeze,
  type HeldFreeze,
  type LabelMatcher,
  matchesAny,
} from '../../src/deploy/alert-freezes-decide.js';

const at = new Date('2026-11-22T10:00:00Z');
const plus = (min: number) => new Date(at.getTime() + min * 60_000);
const timing: AlertFreezeTiming = { minFreezeMs: 30 * 60_000, holdMs: 8 * 60 * 60_000 };
const held = (over: Partial<HeldFreeze> = {}): HeldFreeze => ({
  expiresAt: plus(8 * 60),
  minUntil: plus(30),
  resolvedAt: null,
  ...over,
});

describe('matchesAny', () => {
  const budget = { labels: { alertname: 'ErrorBudgetExhausted', team: 'pay' }, title: 'x' };
  test.each([
    [[{ alertname: 'ErrorBudgetExhausted' }], budget, true],
    [[{ alertname: 'ErrorBudgetExhausted', team: 'pay' }], budget, true],
    [[{ alertname: 'ErrorBudgetExhausted', team: 'search' }], budget, false],
    [[{ alertname: 'Other' }, { team: 'pay' }], budget, true],
    [[], budget, false],
    // Generic alerts: the title stands in for a missing alertname, never over a real one.
    [[{ alertname: 'ErrorBudgetExhausted' }], { labels: {}, title: 'ErrorBudgetExhausted' }, true],
    [[{ alertname: 'x' }], { labels: { alertname: 'y' }, title: 'x' }, false],
  ] as [LabelMatcher[], typeof budget, boolean][])('%o on %o → %s', (matchers, alert, expected) => {
    expect(matchesAny(alert, matchers)).toBe(expected);
  });
});

describe('decideAlertFreeze', () => {
  test('firing with nothing held creates a freeze held for holdMs, not lifting before minFreeze', () => {
    expect(decideAlertFreeze(true, null, timing, at)).toEqual({
      kind: 'create',
      expiresAt: plus(8 * 60),
      minUntil: plus(30),
    });
  });

  test('minFreeze never exceeds the hold', () => {
    const step = decideAlertFreeze(
      true,
      null,
      { minFreezeMs: 10 * 3_600_000, holdMs: 3_600_000 },
      at,
    );
    expect(step).toMatchObject({ minUntil: plus(60) });
  });

  test('repeated firing notifications change nothing until half the hold is gone, then renew it', () => {
    expect(decideAlertFreeze(true, held(), timing, plus(5))).toEqual({ kind: 'none' });
    expect(decideAlertFreeze(true, held(), timing, plus(4 * 60 + 1))).toEqual({
      kind: 'hold',
      expiresAt: plus(12 * 60 + 1),
      refired: false,
    });
  });

  test('firing again after an early resolve holds the freeze again', () => {
    expect(
      decideAlertFreeze(
        true,
        held({ resolvedAt: plus(10), expiresAt: plus(30) }),
        timing,
        plus(20),
      ),
    ).toEqual({ kind: 'hold', expiresAt: plus(8 * 60 + 20), refired: true });
  });

  test('a resolve before minFreeze lifts at minFreeze; after it, at once; twice, nothing more', () => {
    expect(decideAlertFreeze(false, held(), timing, plus(10))).toEqual({
      kind: 'lift_at',
      expiresAt: plus(30),
    });
    expect(decideAlertFreeze(false, held(), timing, plus(30))).toEqual({ kind: 'lift' });
    expect(decideAlertFreeze(false, held({ resolvedAt: plus(10) }), timing, plus(12))).toEqual({
      kind: 'none',
    });
    expect(decideAlertFreeze(false, null, timing, plus(12))).toEqual({ kind: 'none' });
  });
});
