import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { listIncidents } from '../../src/store/incident-reads.js';
import { openDb } from '../../src/store/sqlite.js';
import { type PagerDutyEmulator, startPagerDutyEmulator } from '../emulators/pagerduty.js';
import { type SlackEmulator, startSlackEmulator } from '../emulators/slack.js';
import { INGEST_TOKEN, SIGNING_SECRET, startTestApp } from '../support/app.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-'));
let slack: SlackEmulator;
let pd: PagerDutyEmulator;
beforeAll(async () => {
  slack = await startSlackEmulator();
  pd = await startPagerDutyEmulator();
});
afterAll(async () => {
  await slack.close();
  await pd.close();
  rmSync(dir, { recursive: true, force: true });
});

const firebreak = (args: string[], env: Record<string, string>) => runCli(args, env);

const baseEnv = () => ({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.apiUrl,
  DATABASE_PATH: join(dir, 'doctor.db'),
  FIREBREAK_CONFIG: join(dir, 'none.yaml'),
  INGEST_TOKEN,
});

test('doctor: all good against a healthy setup, PagerDuty included', async () => {
  const { code, out } = await firebreak(['doctor'], {
    ...baseEnv(),
    PAGERDUTY_TOKEN: 'pd-test-token',
    PAGERDUTY_FROM: 'alice@example.com',
    PAGERDUTY_API_URL: pd.url,
  });
  expect(out).toContain('✓ configuration');
  expect(out).toMatch(/✓ database: .*migrated/);
  expect(out).toMatch(/✓ slack token: bot /);
  expect(out).toMatch(/✓ slack scopes: all \d+ scopes/);
  expect(out).toContain('✓ pagerduty: REST API reachable');
  expect(out).toContain('All good.');
  expect(code).toBe(0);
});

test('doctor: says in plain words what is missing, and exits 1', async () => {
  const narrow = await startSlackEmulator({ grantedScopes: ['chat:write'] });
  try {
    const { code, out } = await firebreak(['doctor'], {
      ...baseEnv(),
      SLACK_API_URL: narrow.apiUrl,
      INGEST_TOKEN: '',
      PAGERDUTY_TOKEN: 'wrong-token',
      PAGERDUTY_FROM: 'alice@example.com',
      PAGERDUTY_API_URL: pd.url,
    });
    expect(out).toMatch(/✗ slack scopes: missing .*channels:manage.*reinstall the app/);
    expect(out).toMatch(/✗ pagerduty: REST API answered 401/);
    expect(out).toMatch(/✗ webhooks: INGEST_TOKEN unset/);
    expect(code).toBe(1);
  } finally {
    await narrow.close();
  }
  const bad = await firebreak(['doctor'], { ...baseEnv(), SLACK_BOT_TOKEN: 'xoxp-user' });
  expect(bad.out).toMatch(
    /✗ configuration: environment variable SLACK_BOT_TOKEN must start with xoxb-/,
  );
  const down = await firebreak(['doctor'], {
    ...baseEnv(),
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
  });
  expect(down.out).toMatch(/✗ slack token: auth.test failed: .*Check SLACK_BOT_TOKEN/);
});

test('backup copies a consistent database while the bot is running', async () => {
  const bot = await startTestApp({ slack });
  try {
    await bot.post('/webhooks/alerts', { dedupeKey: 'b1', title: 'Backup me' });
    await bot.settle();
    const target = join(dir, 'backup.db');
    const umask = process.umask(0o022); // the CLI inherits it: the usual one, world-readable files
    const { code, out } = await firebreak(['backup', target], {
      DATABASE_PATH: bot.dbPath,
    }).finally(() => process.umask(umask));
    expect(code).toBe(0);
    expect(out).toContain(`to ${target}`);
    expect(existsSync(target)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    // The copy opens as it is (no migrations applied on top) and holds what the bot stored.
    const copy = openDb(target, { migrate: false });
    expect(
      (await copy.store.read((tx) => listIncidents(tx, { limit: 10 }))).map((i) => i.title),
    ).toEqual(['Backup me']);
    copy.close();
  } finally {
    await bot.stop();
  }
});

test('doctor: a database every user can read is a problem to fix', async () => {
  const path = join(dir, 'open.db');
  openDb(path).close();
  chmodSync(path, 0o644); // as earlier builds created it under umask 022
  const { code, out } = await firebreak(['doctor'], { ...baseEnv(), DATABASE_PATH: path });
  expect(out).toContain(`✗ database files: ${path} can be read by every user`);
  expect(code).toBe(1);
  chmodSync(path, 0o600);
  expect((await firebreak(['doctor'], { ...baseEnv(), DATABASE_PATH: path })).out).not.toContain(
    'database files',
  );
});

test('an unknown command prints the usage and exits 2', async () => {
  const { code, out } = await firebreak(['frobnicate'], {});
  expect(code).toBe(2);
  expect(out).toContain('unknown command "frobnicate"');
  expect(out).toContain('doctor');
});
