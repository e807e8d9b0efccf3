import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { claimDelivery } from '../../src/store/deliveries.js';
import { openDb } from '../../src/store/sqlite.js';

// The database holds incident notes, alert labels and who did what: it is the owner's only,
// under the usual umask (022) that would make new files world-readable.

let dir: string;
let umask: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-modes-'));
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** Opens (creating and migrating) the database and writes a row, so the WAL has content. */
async function writeSomething(path: string) {
  const { store, close } = openDb(path);
  await store.tx((tx) => claimDelivery(tx, 'test', String(Math.random()), new Date()));
  return { close };
}

test('a new database, its WAL and shared-memory files are 0600, in directories made 0700', async () => {
  const path = join(dir, 'state', 'data', 'firebreak.db');
  const { close } = await writeSomething(path);
  try {
    expect({
      store: mode(path),
      wal: mode(`${path}-wal`),
      shm: mode(`${path}-shm`),
      state: mode(join(dir, 'state')),
      data: mode(join(dir, 'state', 'data')),
    }).toEqual({ store: 0o600, wal: 0o600, shm: 0o600, state: 0o700, data: 0o700 });
  } finally {
    close();
  }
});

test('an existing directory and an existing database keep their modes', async () => {
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o755);
  const path = join(shared, 'firebreak.db');
  (await writeSomething(path)).close();
  expect([mode(shared), mode(path)]).toEqual([0o755, 0o600]);
  chmodSync(path, 0o640);
  const again = await writeSomething(path);
  again.close();
  expect(mode(path)).toBe(0o640);
});
