import { expect, test } from 'vitest';
import {
  canMove,
  channelName,
  STATES,
  severityFromLabel,
  worseSeverity,
} from '../../src/domain/incident.js';

test.each([
  ['critical', 'sev1'],
  ['CRITICAL', 'sev1'],
  ['error', 'sev2'],
  ['high', 'sev2'],
  ['warning', 'sev3'],
  ['info', 'sev4'],
  ['P2', 'sev2'],
  ['sev3', 'sev3'],
  [null, 'sev4'],
  ['', 'sev4'],
] as const)('severity label %s → %s', (label, expected) => {
  expect(severityFromLabel(label)).toBe(expected);
});

test('the severity mapping is configurable', () => {
  expect(severityFromLabel('warning', { warning: 'sev2' })).toBe('sev2');
});

test('worseSeverity keeps the more severe one', () => {
  expect(worseSeverity('sev3', 'sev1')).toBe('sev1');
  expect(worseSeverity('sev2', 'sev4')).toBe('sev2');
});

test.each([
  ['triage', 'investigating', true],
  ['triage', 'resolved', true],
  ['investigating', 'triage', false],
  ['monitoring', 'investigating', true],
  ['identified', 'monitoring', true],
  ['resolved', 'investigating', false],
  ['investigating', 'investigating', false],
] as const)('%s → %s allowed: %s', (from, to, allowed) => {
  expect(canMove(from, to)).toBe(allowed);
});

test('every state has a rule (no state is forgotten)', () => {
  for (const from of STATES)
    for (const to of STATES) expect(typeof canMove(from, to)).toBe('boolean');
});

test.each([
  ['inc', 12, 'High 5xx on checkout', 'inc-12-high-5xx-on-checkout'],
  ['inc', 3, 'Ünïcödé & ÉMOJI 🔥 — outage!!', 'inc-3-unicode-emoji-outage'],
  ['inc', 4, '!!!', 'inc-4'],
  ['Incidents', 5, '__x__', 'incidents-5-x'],
])('channel name for (%s, %i, %s)', (prefix, id, title, expected) => {
  expect(channelName(prefix, id, title)).toBe(expected);
});

test("channel names stay within 80 characters and Slack's alphabet, suffix included", () => {
  const name = channelName('inc', 123456, 'x'.repeat(300), 3);
  expect(name.length).toBeLessThanOrEqual(80);
  expect(name).toMatch(/^[a-z0-9_-]+$/);
  expect(name.endsWith('-4')).toBe(true);
  expect(name.startsWith('inc-123456-')).toBe(true);
});
