import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { type Job, underLock } from '../../src/cron.js';
import { tryLock, unlock } from '../../src/store/locks.js';
import { type OpenDb, openDb } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/unit-of-work.js';

let dir = '';
const opened: OpenDb[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** Two connections to one file: two processes that share the database. */
function twoConnections() {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-locks-'));
  const path = join(dir, 'firebreak.db');
  const a = openDb(path);
  const b = openDb(path);
  opened.push(a, b);
  return [a.store, b.store] as const;
}

const take = (store: Store, name: string, holder: string, ttlMs: number, at: Date) =>
  store.tx((tx) => tryLock(tx, name, holder, ttlMs, at));
const release = (store: Store, name: string, holder: string) =>
  store.tx((tx) => unlock(tx, name, holder));

test('two holders: only one gets the lock until it expires or is let go', async () => {
  const [a, b] = twoConnections();
  const t0 = new Date('2026-12-05T10:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  expect(await take(a, 'job:reminders', 'bot-1', 1000, t0)).toBe(true);
  expect(await take(b, 'job:reminders', 'bot-2', 1000, at(500))).toBe(false);
  expect(await take(b, 'job:reminders', 'bot-2', 1000, at(999))).toBe(false);
  // Other names are independent.
  expect(await take(b, 'job:prune', 'bot-2', 1000, at(999))).toBe(true);
  // The holder itself may take it again (a restart of the same instance), which extends it.
  expect(await take(a, 'job:reminders', 'bot-1', 1000, at(900))).toBe(true);
  expect(await take(b, 'job:reminders', 'bot-2', 1000, at(1500))).toBe(false);
  // Expired: the other holder gets it, and now the first one is refused.
  expect(await take(b, 'job:reminders', 'bot-2', 1000, at(1900))).toBe(true);
  expect(await take(a, 'job:reminders', 'bot-1', 1000, at(2000))).toBe(false);
  // Unlocking someone else's lock does nothing; unlocking one's own frees it at once.
  await release(a, 'job:reminders', 'bot-1');
  expect(await take(a, 'job:reminders', 'bot-1', 1000, at(2000))).toBe(false);
  await release(b, 'job:reminders', 'bot-2');
  expect(await take(a, 'job:reminders', 'bot-1', 1000, at(2000))).toBe(true);
});

test('a job tick runs only where the lock is held; the lock is let go after each tick', async () => {
  const [a, b] = twoConnections();
  const ticks: string[] = [];
  let finish: () => void = () => {};
  const job = (by: string): Job => ({
    name: 'reminders',
    schedule: '* * * * * *',
    run: async () => {
      ticks.push(by);
      await new Promise<void>((r) => (finish = r));
    },
  });
  const lockFor = (store: typeof a, holder: string) => ({
    tryLock: (name: string) => take(store, name, holder, 60_000, new Date()),
    unlock: (name: string) => release(store, name, holder),
  });
  const [onA] = underLock([job('a')], lockFor(a, 'bot-1'));
  const [onB] = underLock([job('b')], lockFor(b, 'bot-2'));

  const tickA = onA?.run();
  await expect.poll(() => ticks).toEqual(['a']);
  await onB?.run(); // skipped: bot-1 is sweeping
  expect(ticks).toEqual(['a']);
  finish();
  await tickA;
  const tickB = onB?.run(); // bot-1's tick is over: bot-2 may sweep now
  await expect.poll(() => ticks).toEqual(['a', 'b']);
  finish();
  await tickB;
});

test('a job that throws lets go of the lock, and the error reaches the caller', async () => {
  const [a, b] = twoConnections();
  const [failing] = underLock(
    [
      {
        name: 'sweep',
        schedule: '* * * * *',
        run: async () => {
          throw new Error('disk I/O error');
        },
      },
    ],
    {
      tryLock: (name) => take(a, name, 'bot-1', 60_000, new Date()),
      unlock: (name) => release(a, name, 'bot-1'),
    },
  );
  await expect(failing?.run()).rejects.toThrow('disk I/O error');
  expect(await take(b, 'job:sweep', 'bot-2', 60_000, new Date())).toBe(true);
});
