import { expect, test } from 'vitest';
import type { GateIncident } from '../../src/deploy/incident-gate-decide.js';
import { incidentFields, incidentReason } from '../../src/http/freeze-gate.js';

const incident = (over: Partial<GateIncident>): GateIncident => ({
  id: 4,
  title: 'Payments API leaking card numbers',
  severity: 'sev1',
  state: 'investigating',
  services: ['payments'],
  environment: 'production',
  private: false,
  ...over,
});

test('the gate names a blocking incident by title, but a private one only by number', () => {
  expect(incidentReason([incident({})])).toBe(
    'INC-4 (sev1) is open: Payments API leaking card numbers',
  );
  const hidden = incident({ private: true });
  expect(incidentReason([hidden, incident({ id: 5 })])).toBe(
    'INC-4 (sev1) is open: (private incident) (and 1 more)',
  );
  const fields = JSON.stringify(incidentFields({ allowed: false, blocking: [hidden] } as never));
  expect(fields).not.toContain('card numbers');
  expect(fields).toContain('(private incident)');
});
