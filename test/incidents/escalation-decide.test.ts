import { expect, test } from 'vitest';
import {
  dueTierIndexes,
  type EscalationTier,
  nextDueAt,
  pagedServices,
  recipientsOf,
} from '../../src/incidents/escalation-decide.js';

const MIN = 60_000;
const T0 = new Date('2026-11-22T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);
const TIERS: EscalationTier[] = [
  { afterMs: 5 * MIN, notify: ['owners'] },
  { afterMs: 10 * MIN, notify: ['S0SRE', 'U0SRE0001'] },
  { afterMs: 20 * MIN, notify: ['here'] },
];

test.each([
  [0, [], at(5)],
  [4.99, [], at(5)],
  [5, [0], at(10)],
  [12, [0, 1], at(20)],
  [20, [0, 1, 2], null],
  [600, [0, 1, 2], null],
])('at minute %s the due tiers are %j and the next is due %s', (minute, due, next) => {
  expect(dueTierIndexes(TIERS, T0, at(minute))).toEqual(due);
  expect(nextDueAt(TIERS, T0, at(minute))).toEqual(next);
});

test('the first due time of a fresh clock is the first tier; no tiers, never', () => {
  expect(nextDueAt(TIERS, T0, null)).toEqual(at(5));
  expect(nextDueAt([], T0, null)).toBeNull();
});

test('owners are the services’ owners (groups mentioned, users messaged), else the incident owner', () => {
  const [owners, sre, here] = TIERS as [EscalationTier, EscalationTier, EscalationTier];
  expect(recipientsOf(owners, { services: ['U0A', 'S0TEAM'], incident: 'U0OWNER' })).toEqual({
    users: ['U0A'],
    groups: ['S0TEAM'],
    broadcast: null,
    ownersMissing: false,
  });
  expect(recipientsOf(owners, { services: [], incident: 'U0OWNER' }).users).toEqual(['U0OWNER']);
  expect(recipientsOf(owners, { services: [], incident: null })).toMatchObject({
    users: [],
    ownersMissing: true,
  });
  expect(recipientsOf(sre, { services: [], incident: null })).toEqual({
    users: ['U0SRE0001'],
    groups: ['S0SRE'],
    broadcast: null,
    ownersMissing: false,
  });
  expect(recipientsOf(here, { services: [], incident: null }).broadcast).toBe('here');
  expect(
    recipientsOf(
      { afterMs: 0, notify: ['channel', 'here', 'U0A', 'U0A'] },
      { services: ['U0A'], incident: null },
    ),
  ).toMatchObject({ users: ['U0A'], broadcast: 'channel' });
});

test('only the services that page through PagerDuty make the escalation PagerDuty’s', () => {
  const paged = (s: string) => s === 'checkout';
  expect(pagedServices(['search', 'checkout'], paged)).toEqual(['checkout']);
  expect(pagedServices(['search'], paged)).toEqual([]);
});
