import { describe, expect, test } from 'vitest';
import {
  blockingIncidents,
  decideFix,
  type GateIncident,
} from '../../src/deploy/incident-gate-decide.js';

const incident = (over: Partial<GateIncident> & { id: number }): GateIncident => ({
  title: `Incident ${over.id}`,
  severity: 'sev2',
  state: 'investigating',
  services: ['checkout'],
  environment: 'production',
  private: false,
  ...over,
});
const target = { service: 'checkout', environment: 'production' };

describe('blockingIncidents', () => {
  test('open incidents of the threshold or worse on the service and environment, worst first', () => {
    const all = [
      incident({ id: 1, severity: 'sev3' }),
      incident({ id: 2, severity: 'sev2' }),
      incident({ id: 3, severity: 'sev1' }),
      incident({ id: 4, severity: 'sev1', state: 'resolved' }),
      incident({ id: 5, severity: 'sev1', services: ['search'] }),
      incident({ id: 6, severity: 'sev1', environment: 'staging' }),
      incident({ id: 7, severity: 'sev2', services: ['search', 'Checkout'], state: 'monitoring' }),
    ];
    expect(blockingIncidents(all, target, 'sev2').map((i) => i.id)).toEqual([3, 2, 7]);
    expect(blockingIncidents(all, target, 'sev1').map((i) => i.id)).toEqual([3]);
    expect(blockingIncidents(all, { ...target, environment: 'staging' }, 'sev2')).toMatchObject([
      { id: 6 },
    ]);
    expect(blockingIncidents(all, { service: 'other', environment: 'production' }, 'sev4')).toEqual(
      [],
    );
  });
});

describe('decideFix', () => {
  const blocking = [incident({ id: 2 })];
  test.each([
    [2, incident({ id: 2 }), blocking, { kind: 'pass', incidentId: 2 }],
    [9, null, blocking, { kind: 'refused', reason: 'INC-9 does not exist' }],
    [
      4,
      incident({ id: 4, state: 'resolved' }),
      blocking,
      { kind: 'refused', reason: 'INC-4 is resolved' },
    ],
    [
      5,
      incident({ id: 5, severity: 'sev3' }),
      blocking,
      { kind: 'refused', reason: 'INC-5 does not block this deploy' },
    ],
    [
      2,
      incident({ id: 2 }),
      [incident({ id: 3, severity: 'sev1' }), incident({ id: 2 })],
      { kind: 'refused', reason: 'INC-3 still blocks this deploy' },
    ],
  ] as const)('fix=INC-%s', (id, named, all, expected) => {
    expect(decideFix(id, named, all)).toEqual(expected);
  });
});
