import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { enqueue, outboxItems } from '../../src/store/outbox.js';
import { type OpenDb, openDb } from '../../src/store/sqlite.js';
import type { Store, Tx } from '../../src/store/unit-of-work.js';

const opened: OpenDb[] = [];
let dir = '';
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function memory(): Store {
  const db = openDb(':memory:');
  opened.push(db);
  return db.store;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = new Date('2026-12-06T10:00:00Z');
const add = (tx: Tx, lane: string) => enqueue(tx, { kind: 'test', lane, payload: {} }, now);
const lanes = (store: Store) =>
  store.read(async (tx) => (await outboxItems(tx)).map((item) => item.lane));

test('a unit of work commits everything it wrote, or nothing when it throws', async () => {
  const store = memory();
  await store.tx(async (tx) => {
    await add(tx, 'a');
    await add(tx, 'b');
  });
  await expect(
    store.tx(async (tx) => {
      await add(tx, 'c');
      throw new Error('refused halfway');
    }),
  ).rejects.toThrow('refused halfway');
  expect(await lanes(store)).toEqual(['a', 'b']);
});

test('units of work run one at a time, and a read waits for the open one to finish', async () => {
  const store = memory();
  const steps: string[] = [];
  const slow = (name: string) =>
    store.tx(async (tx) => {
      steps.push(`${name} begins`);
      await add(tx, name);
      await sleep(20); // a real await inside the transaction: another may not slip in here
      await add(tx, `${name}2`);
      steps.push(`${name} commits`);
    });
  const seen = Promise.all([
    slow('a'),
    slow('b'),
    store.read(async (tx) => (await outboxItems(tx)).length),
  ]);
  const [, , countSeenByRead] = await seen;
  expect(steps).toEqual(['a begins', 'a commits', 'b begins', 'b commits']);
  // The read was asked for while `a` was open; it ran after the two writers queued before it.
  expect(countSeenByRead).toBe(4);
  expect(await lanes(store)).toEqual(['a', 'a2', 'b', 'b2']);
});

test('a unit of work started inside another fails at once instead of waiting for itself', async () => {
  const store = memory();
  await expect(
    store.tx(async (tx) => {
      await add(tx, 'outer');
      await store.read((inner) => outboxItems(inner));
    }),
  ).rejects.toThrow(/started inside another on the same database: pass its tx down/);
  await expect(store.tx(() => store.tx(async () => {}))).rejects.toThrow(/pass its tx down/);
  // Nothing of the failed outer unit was kept, and the store still works.
  await store.tx((tx) => add(tx, 'after'));
  expect(await lanes(store)).toEqual(['after']);
});

test('a savepoint undoes only its own writes; the unit of work around it goes on', async () => {
  const store = memory();
  await store.tx(async (tx) => {
    await add(tx, 'kept');
    await expect(
      store.savepoint(tx, async (inner) => {
        await add(inner, 'undone');
        throw new Error('poison batch');
      }),
    ).rejects.toThrow('poison batch');
    const answer = await store.savepoint(tx, async (inner) => {
      await add(inner, 'also kept');
      return 7;
    });
    expect(answer).toBe(7);
  });
  expect(await lanes(store)).toEqual(['kept', 'also kept']);
});

test('two connections to one file in one process take turns instead of blocking each other', async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-uow-'));
  const path = join(dir, 'firebreak.db');
  const a = openDb(path);
  const b = openDb(path, { busyTimeoutMs: 200 });
  opened.push(a, b);
  const order: string[] = [];
  // Without a mutex shared by both connections, b's BEGIN IMMEDIATE would wait (blocking the
  // event loop) for a's write lock, and a could never reach its COMMIT: SQLITE_BUSY after 200 ms.
  await Promise.all([
    a.store.tx(async (tx) => {
      await add(tx, 'a');
      await sleep(300);
      order.push('a');
    }),
    b.store.tx(async (tx) => {
      await add(tx, 'b');
      order.push('b');
    }),
  ]);
  expect(order).toEqual(['a', 'b']);
  expect(await lanes(b.store)).toEqual(['a', 'b']);
});
