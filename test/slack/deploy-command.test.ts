import { expect, test } from 'vitest';
import type { Incident } from '../../src/domain/incident.js';
import { parseFreezeArgs } from '../../src/slack/commands/deploy.js';

const context = (incident: Partial<Incident> | null = null) => ({
  incident: incident as Incident | null,
  environments: ['production', 'staging'],
  defaultEnvironment: 'production',
  resolve: (name: string) => (name === 'checkout-api' ? 'checkout' : name.toLowerCase()),
});

test.each([
  [
    'checkout staging 30m db migration',
    {
      services: ['checkout'],
      environments: ['staging'],
      durationMs: 1_800_000,
      reason: 'db migration',
    },
  ],
  [
    'checkout-api 2h',
    { services: ['checkout'], environments: ['production'], durationMs: 7_200_000, reason: '' },
  ],
  [
    'checkout database is on fire',
    {
      services: ['checkout'],
      environments: ['production'],
      durationMs: null,
      reason: 'database is on fire',
    },
  ],
  [
    '* prod* 1h30m region failover',
    { services: ['*'], environments: ['prod*'], durationMs: 5_400_000, reason: 'region failover' },
  ],
  [
    'all 1h a &lt;b&gt; &amp; c',
    { services: ['*'], environments: ['production'], durationMs: 3_600_000, reason: 'a <b> & c' },
  ],
  ['', { services: [], environments: ['production'], durationMs: null, reason: '' }],
])('/deploy freeze %s', (args, expected) => {
  expect(parseFreezeArgs(args, context())).toEqual(expected);
});

test("in an incident channel the defaults are the incident's services, environment and title", () => {
  const incident = {
    id: 7,
    title: 'Checkout down',
    services: ['checkout', 'payments'],
    environment: 'staging',
  };
  expect(parseFreezeArgs('', context(incident))).toEqual({
    services: ['checkout', 'payments'],
    environments: ['staging'],
    durationMs: null,
    reason: 'INC-7: Checkout down',
  });
  expect(parseFreezeArgs('4h', context(incident))).toMatchObject({
    durationMs: 14_400_000,
    services: ['checkout', 'payments'],
  });
});
