import { expect, test } from 'vitest';
import { escapeKeepingMentions } from '../../../src/slack/blocks/text.js';
import {
  parseDeclare,
  parseSeverity,
  parseState,
  parseUser,
  unescapeSlack,
} from '../../../src/slack/commands/args.js';

test.each([
  ['sev1', 'sev1'],
  ['SEV2', 'sev2'],
  ['3', 'sev3'],
  [' sev4 ', 'sev4'],
])('severity %j → %s', (word, severity) => {
  expect(parseSeverity(word)).toBe(severity);
});

test.each(['sev0', 'sev5', '7', 'high', ''])('severity %j is refused', (word) => {
  expect(() => parseSeverity(word)).toThrow(/is not a severity/);
});

test.each([
  ['sev1 Checkout down', { severity: 'sev1', title: 'Checkout down', private: false }],
  ['Checkout down', { severity: null, title: 'Checkout down', private: false }],
  ['500s on checkout', { severity: null, title: '500s on checkout', private: false }],
  ['sev2', { severity: 'sev2', title: '', private: false }],
  ['', { severity: null, title: '', private: false }],
  ['--private sev1 Payroll leak', { severity: 'sev1', title: 'Payroll leak', private: true }],
  ['sev2 --private Payroll leak', { severity: 'sev2', title: 'Payroll leak', private: true }],
  ['—private Payroll leak', { severity: null, title: 'Payroll leak', private: true }],
  ['--private', { severity: null, title: '', private: true }],
  [
    'Fix --private flag parsing',
    { severity: null, title: 'Fix --private flag parsing', private: false },
  ],
  ['--privateer ship', { severity: null, title: '--privateer ship', private: false }],
])('declare %j', (args, parsed) => {
  expect(parseDeclare(args)).toEqual(parsed);
});

test('declare with a made-up severity is refused, not taken as the title', () => {
  expect(() => parseDeclare('sev9 Checkout down')).toThrow(/`sev9` is not a severity/);
});

test.each([
  ['<@U0BOB0001|bob>', 'U0BOB0001'],
  ['<@U0BOB0001>', 'U0BOB0001'],
  ['W0ENTERPRISE', 'W0ENTERPRISE'],
  ['me', 'U0SELF001'],
  ['ME', 'U0SELF001'],
])('user %j → %s', (word, id) => {
  expect(parseUser(word, 'U0SELF001')).toBe(id);
});

test.each(['@bob', 'bob', '<#C0123|general>', ''])('user %j is refused', (word) => {
  expect(() => parseUser(word, 'U0SELF001')).toThrow(/Slack user|Say who/);
});

test('states: the working ones; resolving has its own command', () => {
  expect(parseState('Identified')).toBe('identified');
  expect(() => parseState('resolved')).toThrow(/incident resolve/);
  expect(() => parseState('triage')).toThrow(/not a state/);
});

test('Slack escaping is undone once, and mentions survive rendering while markup does not', () => {
  expect(unescapeSlack('a &lt;b&gt; &amp;lt; c')).toBe('a <b> &lt; c');
  expect(
    escapeKeepingMentions('ask <@U0BOB0001|bob> & <!subteam^S0LEADS|leads> about <script>'),
  ).toBe('ask <@U0BOB0001|bob> &amp; <!subteam^S0LEADS|leads> about &lt;script&gt;');
});
