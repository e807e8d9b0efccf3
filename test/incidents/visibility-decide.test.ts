import { expect, test } from 'vitest';
import type { Incident } from '../../src/domain/incident.js';
import type { Actor } from '../../src/incidents/events.js';
import { decideMakePublic } from '../../src/incidents/visibility-decide.js';

const at = new Date('2026-11-22T10:00:00Z');
const policy = { commanders: ['U0CMD0001', 'S0COMMAND'] };

const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 4,
  title: 'Payroll export leaks salaries',
  description: null,
  severity: 'sev1',
  state: 'investigating',
  ownerId: 'U0OWNER01',
  services: [],
  environment: 'production',
  source: 'declared',
  channelId: 'C0PRIV0001',
  channelName: 'inc-4-payroll',
  resolution: null,
  createdBy: 'U0OWNER01',
  private: true,
  impactStartedAt: null,
  detectedAt: at,
  declaredAt: at,
  acknowledgedAt: at,
  mitigatedAt: null,
  resolvedAt: null,
  ...over,
});

const slack = (id: string, groups: string[] = []): Actor => ({ id, source: 'slack', groups });

test.each([
  ['the owner', slack('U0OWNER01')],
  ['a commander by id', slack('U0CMD0001')],
  ['a commander through a user group', slack('U0SOMEONE', ['S0COMMAND'])],
  ['a trusted door (the CLI)', { id: 'cli', source: 'cli' }],
])('%s may make a private incident public', (_, actor) => {
  const decision = decideMakePublic(incident(), actor, policy, at);
  expect(decision).toMatchObject({
    type: 'make_public',
    incident: { private: false },
    record: { kind: 'incident_made_public', actor: actor.id, at },
  });
});

test.each([
  ['someone else', slack('U0STRANGE')],
  ['someone in another group', slack('U0STRANGE', ['S0DEPLOY1'])],
])('%s is refused, with an audit entry that does not name the title', (_, actor) => {
  const decision = decideMakePublic(incident(), actor, policy, at);
  expect(decision.type).toBe('refused');
  if (decision.type !== 'refused') return;
  expect(decision.error.code).toBe('forbidden');
  expect(decision.error.message).toMatch(/not allowed to make INC-4 public\. Ask <@U0OWNER01>/);
  expect(decision.audit).toMatchObject({
    kind: 'permission_denied',
    payload: { action: 'make public' },
  });
  expect(JSON.stringify(decision)).not.toContain('Payroll');
});

test('an incident that is already public is left as it is, whoever asks', () => {
  expect(decideMakePublic(incident({ private: false }), slack('U0STRANGE'), policy, at)).toEqual({
    type: 'unchanged',
    incident: incident({ private: false }),
  });
});
