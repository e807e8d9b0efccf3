import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDb } from '../../src/store/sqlite.js';
import { runCli } from '../support/cli.js';
import { coreServices } from '../support/incidents.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const cli = (args: string[], dbPath: string) => runCli(args, { DATABASE_PATH: dbPath });

/** A database file with one incident and a few timeline events, closed again. */
async function seed(): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-'));
  const path = join(dir, 'firebreak.db');
  const { store, close } = openDb(path);
  const clock = { now: new Date('2026-11-22T10:00:00Z') };
  const { incidents } = coreServices(store, clock);
  const ana = { id: 'U0ANA0001', source: 'slack' };
  await incidents.declare(
    { title: 'Checkout 500s', severity: 'sev1', services: ['checkout'] },
    ana,
  );
  await incidents.note(1, 'pool exhausted', ana);
  await incidents.statusUpdate(1, 'rolling back', ana);
  close();
  return path;
}

test('firebreak verify passes on an untouched file and fails after a single row is altered', async () => {
  const path = await seed();
  const clean = await cli(['verify'], path);
  expect(clean.code).toBe(0);
  expect(clean.stdout).toMatch(/✓ 3 events in 1 timelines, every hash chain intact/);

  // Someone with file access drops the guard and rewrites history.
  const { sqlite, close } = openDb(path);
  sqlite.exec('DROP TRIGGER timeline_events_no_update');
  const changed = sqlite
    .prepare(
      `UPDATE timeline_events SET payload = json_set(payload, '$.text', 'all good') WHERE kind = 'note'`,
    )
    .run();
  expect(changed.changes).toBe(1);
  close();

  const tampered = await cli(['verify'], path);
  expect(tampered.code).toBe(1);
  expect(tampered.stdout).toContain('✗ incident:1 event 2: edited');
  expect(tampered.stdout).toContain('✗ 1 problem(s) in 3 events');
});

test('firebreak postmortem <n> prints the draft; an unknown incident is a clear error', async () => {
  const path = await seed();
  const ok = await cli(['postmortem', 'INC-1'], path);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^# INC-1: Checkout 500s\n/);
  expect(ok.stdout).toContain('pool exhausted');

  const missing = await cli(['postmortem', '7'], path);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('firebreak: There is no incident INC-7.\n');
});
