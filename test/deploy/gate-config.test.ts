import { expect, test } from 'vitest';
import { parseFileConfig } from '../../src/config.js';

const oneLine = (yaml: string): string => {
  try {
    parseFileConfig(yaml);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

test('issue 14 §3–4 keys: off by default', () => {
  const { deploys } = parseFileConfig('');
  expect(deploys.freezeOnAlerts).toEqual([]);
  expect(deploys.freezeOnAlertsMinFreeze).toBe(30 * 60_000);
  expect(deploys.gateBlocksOnIncident).toBeUndefined();
  const set = parseFileConfig(
    'deploys:\n  gateBlocksOnIncident: sev2\n  freezeOnAlerts: [{ alertname: ErrorBudgetExhausted }]\n  freezeOnAlertsMinFreeze: 1h\n',
  ).deploys;
  expect(set).toMatchObject({
    gateBlocksOnIncident: 'sev2',
    freezeOnAlerts: [{ alertname: 'ErrorBudgetExhausted' }],
    freezeOnAlertsMinFreeze: 3_600_000,
  });
});

test.each([
  ['deploys: { gateBlocksOnIncident: sev9 }', 'deploys.gateBlocksOnIncident'],
  ['deploys: { gateBlocksOnIncident: critical }', 'deploys.gateBlocksOnIncident'],
  [
    'deploys: { freezeOnAlertsMinFreeze: soon }',
    'deploys.freezeOnAlertsMinFreeze "soon" is not a duration',
  ],
  [
    'deploys: { freezeOnAlertsMinFreeze: 2d }',
    'deploys.freezeOnAlertsMinFreeze must not be longer than deploys.freezeMax',
  ],
  ['deploys: { freezeOnAlerts: [{}] }', 'deploys.freezeOnAlerts.0'],
  ['deploys: { freezeOnAlerts: [{ alertname: 3 }] }', 'deploys.freezeOnAlerts.0.alertname'],
  ['deploys: { freezeOnAlerts: ErrorBudgetExhausted }', 'deploys.freezeOnAlerts'],
])('a bad value stops start-up with one line naming it: %s', (yaml, named) => {
  const message = oneLine(yaml);
  expect(message).toContain(named);
  expect(message.trim().split('\n')).toHaveLength(1);
});
