import { expect, test } from 'vitest';
import { ConfigError, loadConfig, parseFileConfig, policiesOf } from '../../src/config.js';

// deploys.autoRollback and services.<name>.autoRollback: off by default, every key checked,
// and a bad one named in one line (start-up stops on it).

test('off by default, with the documented defaults', () => {
  expect(parseFileConfig('').deploys.autoRollback).toEqual({
    mode: 'off',
    window: 30 * 60_000,
    minSeverity: 'sev1',
    veto: 2 * 60_000,
    cooldown: 6 * 60 * 60_000,
  });
});

test('set globally, and overridden per service key by key', () => {
  const file = parseFileConfig(`
deploys:
  autoRollback: { mode: shadow, window: 45m, minSeverity: sev2, veto: 90s, cooldown: 1d }
services:
  checkout:
    autoRollback: { mode: on, veto: 30s }
  payments: {}
`);
  expect(file.deploys.autoRollback).toEqual({
    mode: 'shadow',
    window: 45 * 60_000,
    minSeverity: 'sev2',
    veto: 90_000,
    cooldown: 24 * 60 * 60_000,
  });
  expect(file.services.checkout?.autoRollback).toEqual({ mode: 'on', veto: 30_000 });
  const config = { file, http: {}, pagerDuty: {} };
  const policy = policiesOf(config as unknown as Parameters<typeof policiesOf>[0]).autoRollback;
  expect(Object.keys(policy.services)).toEqual(['checkout']);
});

test.each([
  ['deploys: { autoRollback: { mode: always } }', 'firebreak.yaml deploys.autoRollback.mode'],
  [
    'deploys: { autoRollback: { minSeverity: sev9 } }',
    'firebreak.yaml deploys.autoRollback.minSeverity',
  ],
  [
    'deploys: { autoRollback: { window: soon } }',
    'firebreak.yaml deploys.autoRollback.window "soon" is not a duration',
  ],
  [
    'deploys: { autoRollback: { veto: 0s } }',
    'firebreak.yaml deploys.autoRollback.veto "0s" is not a duration',
  ],
  ['deploys: { autoRollback: { cooldown: 6 hours } }', 'deploys.autoRollback.cooldown'],
  [
    'services: { checkout: { autoRollback: { mode: yes } } }',
    'firebreak.yaml services.checkout.autoRollback.mode',
  ],
  [
    'services: { checkout: { autoRollback: { minSeverity: critical } } }',
    'services.checkout.autoRollback.minSeverity',
  ],
])('a bad value is named in one line: %s', (yaml, message) => {
  let error: unknown;
  try {
    parseFileConfig(yaml);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(message);
  expect((error as Error).message).not.toContain('\n');
});

test('start-up (loadConfig) stops on it', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-autorollback-config-'));
  writeFileSync(join(dir, 'firebreak.yaml'), 'deploys:\n  autoRollback:\n    mode: maybe\n');
  expect(() =>
    loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-x',
      SLACK_SIGNING_SECRET: 'secret-0123456789',
      FIREBREAK_CONFIG: join(dir, 'firebreak.yaml'),
    }),
  ).toThrow(/deploys\.autoRollback\.mode/);
});
