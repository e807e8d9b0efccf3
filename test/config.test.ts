import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ConfigError, loadConfig, parseDuration, parseFileConfig } from '../src/config.js';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'secret',
  FIREBREAK_CONFIG: '/nonexistent/firebreak.yaml',
};

test('runs with defaults and no config file', () => {
  const config = loadConfig(base);
  expect(config.http).toEqual({ port: 3000, host: '0.0.0.0', publicUrl: undefined });
  expect(config.databasePath).toBe('./data/firebreak.db');
  expect(config.slack.apiUrl).toBe('https://slack.com/api/');
  expect(config.file.incidents.channelPrefix).toBe('inc');
  expect(config.file.incidents.reminders.sev1).toBe(30 * 60_000);
  expect(config.file.deploys.suspectWindow).toBe(2 * 60 * 60_000);
  expect(config.pagerDuty.token).toBeUndefined();
  expect(Object.isFrozen(config.file.incidents)).toBe(true);
});

test.each([
  [{ SLACK_BOT_TOKEN: undefined }, /SLACK_BOT_TOKEN/],
  [{ SLACK_BOT_TOKEN: 'xoxp-user' }, /SLACK_BOT_TOKEN must start with xoxb-/],
  [{ SLACK_SIGNING_SECRET: undefined }, /SLACK_SIGNING_SECRET is required in HTTP mode/],
  [{ PORT: 'eighty' }, /PORT/],
  [{ SLACK_API_URL: 'not a url' }, /SLACK_API_URL/],
  [{ PAGERDUTY_TOKEN: 'abc' }, /PAGERDUTY_FROM is required/],
  [{ INGEST_TOKEN: 'short' }, /INGEST_TOKEN needs at least 16/],
  [{ SLACK_APP_TOKEN: 'xoxb-wrong' }, /SLACK_APP_TOKEN must start with xapp-/],
])('a bad environment stops start-up with one line naming the variable (%o)', (patch, message) => {
  const error = (() => {
    try {
      loadConfig({ ...base, ...patch });
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
});

test('empty values (NAME= in .env) count as unset', () => {
  const config = loadConfig({ ...base, SLACK_API_URL: '', PORT: '', SLACK_APP_TOKEN: '' });
  expect(config.slack.apiUrl).toBe('https://slack.com/api/');
  expect(config.http.port).toBe(3000);
});

test('Socket Mode needs no signing secret', () => {
  const config = loadConfig({
    ...base,
    SLACK_SIGNING_SECRET: undefined,
    SLACK_APP_TOKEN: 'xapp-1-abc',
  });
  expect(config.slack.appToken).toBe('xapp-1-abc');
});

test('PagerDuty webhook secrets may be a comma-separated list (rotation)', () => {
  const config = loadConfig({ ...base, PAGERDUTY_WEBHOOK_SECRET: 'one, two ,' });
  expect(config.pagerDuty.webhookSecrets).toEqual(['one', 'two']);
});

test('the YAML file is validated, with $ENV references for secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-config-'));
  const path = join(dir, 'firebreak.yaml');
  writeFileSync(
    path,
    `incidents:
  channelPrefix: sev
  announceChannel: C0INCIDENTS
  reminders: { sev1: 15m, sev2: 1h30m }
permissions:
  deployers: [U0123ABCD, S0GROUP]
services:
  checkout:
    aliases: [checkout-api]
    owners: [U0123ABCD]
    environments:
      staging:
        rollback: { backend: webhook, url: "https://deployer.internal/rollback", secret: "\${DEPLOY_SECRET}" }
`,
  );
  const config = loadConfig({ ...base, FIREBREAK_CONFIG: path, DEPLOY_SECRET: 's'.repeat(20) });
  expect(config.file.incidents.reminders).toEqual({ sev1: 15 * 60_000, sev2: 90 * 60_000 });
  expect(config.file.services.checkout?.environments.staging?.rollback).toMatchObject({
    backend: 'webhook',
    secret: 's'.repeat(20),
  });
  expect(() => loadConfig({ ...base, FIREBREAK_CONFIG: path })).toThrow(
    /refers to \$\{DEPLOY_SECRET\}/,
  );
});

test.each([
  ['incidents: { reminders: { sev1: soon } }', /incidents.reminders.sev1 "soon" is not a duration/],
  ['incidents: { channelPrefix: "Has Spaces" }', /incidents.channelPrefix/],
  ['services: { checkout: { owners: [dana] } }', /services.checkout.owners.0 must be a Slack id/],
  [
    'services: { x: { environments: { prod: { rollback: { backend: ftp } } } } }',
    /services.x.environments.prod.rollback.backend/,
  ],
  ['incidents: [unclosed', /not valid YAML/],
  [
    'services: { x: { environments: { prod: { rollback: { backend: command, argv: [k], env: { "A-B": v } } } } } }',
    /services.x.environments.prod.rollback.env.A-B/,
  ],
  [
    'people: { officeHours: { start: "9am", end: "18:00" } }',
    /people.officeHours.start must be a time of day/,
  ],
  [
    'people: { officeHours: { start: "18:00", end: "09:00" } }',
    /people.officeHours.end start must be before end/,
  ],
  [
    'people: { officeHours: { start: "09:00", end: "18:00", days: [monday] } }',
    /people.officeHours.days.0/,
  ],
  [
    'people: { officeHours: { start: "09:00", end: "18:00", timeZone: Mars/Base } }',
    /people.officeHours.timeZone is not a time zone/,
  ],
])('a bad config file value is named: %s', (yaml, message) => {
  expect(() => parseFileConfig(yaml)).toThrow(message);
});

test.each([
  ['30m', 1_800_000],
  ['2h', 7_200_000],
  ['1h30m', 5_400_000],
  ['7d', 604_800_000],
  ['45s', 45_000],
  ['soon', null],
  ['', null],
])('duration %s', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test('incidents.maxNewPerMinute: 10 by default, a positive whole number when set', () => {
  expect(parseFileConfig('').incidents.maxNewPerMinute).toBe(10);
  expect(parseFileConfig('incidents:\n  maxNewPerMinute: 50\n').incidents.maxNewPerMinute).toBe(50);
  expect(() => parseFileConfig('incidents:\n  maxNewPerMinute: 0\n')).toThrow(
    'incidents.maxNewPerMinute',
  );
});

test('office hours: days default to Monday–Friday and the zone to UTC; times become minutes', () => {
  expect(parseFileConfig('').people.officeHours).toBeUndefined();
  expect(
    parseFileConfig('people: { officeHours: { start: "08:30", end: "17:00" } }').people.officeHours,
  ).toEqual({
    startMinute: 510,
    endMinute: 1020,
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    timeZone: 'UTC',
  });
});
