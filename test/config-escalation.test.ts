import { expect, test } from 'vitest';
import { loadConfig, parseFileConfig, policiesOf } from '../src/config.js';

const problem = (yaml: string) => {
  try {
    parseFileConfig(yaml);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

test.each([
  [
    'escalation: { tiers: { sev9: [] } }',
    'firebreak.yaml escalation.tiers Unrecognized key: "sev9"',
  ],
  [
    'escalation: { tiers: { sev1: [{ after: soon, notify: [owners] }] } }',
    'firebreak.yaml escalation.tiers.sev1.0.after "soon" is not a duration like 30m, 2h or 7d',
  ],
  [
    'escalation: { tiers: { sev1: [{ after: 5m, notify: [owners, "@bob"] }] } }',
    'firebreak.yaml escalation.tiers.sev1.0.notify.1 must be owners, here, channel, a user id (U…/W…) or a user-group id (S…)',
  ],
  [
    'escalation: { tiers: { sev1: [{ after: 5m, notify: [] }] } }',
    'firebreak.yaml escalation.tiers.sev1.0.notify names nobody',
  ],
  [
    'escalation: { tiers: { sev1: [{ after: 10m, notify: [owners] }, { after: 5m, notify: [here] }] } }',
    'firebreak.yaml escalation.tiers.sev1.1.after must be later than the tier before it',
  ],
  ['escalation: { tier: {} }', 'firebreak.yaml escalation Unrecognized key: "tier"'],
  [
    `services: { checkout: { checklist: ["${'x'.repeat(76)}"] } }`,
    'firebreak.yaml services.checkout.checklist.0 a checklist step is at most 75 characters (what Slack shows beside a checkbox)',
  ],
  [
    `services: { checkout: { checklist: [${Array.from({ length: 11 }, (_, i) => `s${i}`).join(', ')}] } }`,
    'firebreak.yaml services.checkout.checklist a checklist has at most 10 steps (one Slack checkbox group)',
  ],
  [
    'services: { checkout: { checklist: [a, a] } }',
    'firebreak.yaml services.checkout.checklist a checklist names each step once',
  ],
  [
    'services: { checkout: { checklist: ["  "] } }',
    'firebreak.yaml services.checkout.checklist.0 a checklist step cannot be empty',
  ],
])('%s stops start-up with one line naming the key', (yaml, message) => {
  expect(problem(yaml)).toBe(message);
});

test('off by default: no tiers and no checklist; tiers become policy in milliseconds', () => {
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-x',
    SLACK_SIGNING_SECRET: 's',
    FIREBREAK_CONFIG: '/nonexistent.yaml',
  };
  const config = loadConfig(env);
  expect(config.file.escalation.tiers).toEqual({});
  expect(policiesOf(config).escalation.tiers).toEqual({});
  const file = parseFileConfig(
    'escalation: { tiers: { sev1: [{ after: 5m, notify: [owners] }, { after: 1h, notify: [S0SRE, here] }] } }',
  );
  expect(policiesOf({ ...config, file }).escalation.tiers).toEqual({
    sev1: [
      { afterMs: 300_000, notify: ['owners'] },
      { afterMs: 3_600_000, notify: ['S0SRE', 'here'] },
    ],
  });
});
