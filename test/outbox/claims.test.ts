import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import { defineEffect } from '../../src/outbox/effects.js';
import {
  createOutboxWorker,
  type OutboxWorker,
  type WorkerOptions,
} from '../../src/outbox/worker.js';
import {
  claim,
  complete,
  enqueue,
  findOutboxItem,
  giveUp,
  type OutboxRow,
  outboxItems,
  outboxStats,
  renewLease,
  reschedule,
} from '../../src/store/outbox.js';
import { type OpenDb, openDb } from '../../src/store/sqlite.js';

// Several workers on one SQLite file, each on its own connection, as separate processes
// (or, later, replicas on one PostgreSQL) would be.

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir = '';
const opened: OpenDb[] = [];
const workers: OutboxWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop(1000);
  for (const store of opened.splice(0)) store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A new connection to the test's file (the first call creates it and applies the migrations). */
function connect(): OpenDb {
  dir ||= mkdtempSync(join(tmpdir(), 'firebreak-claims-'));
  const store = openDb(join(dir, 'firebreak.db'));
  opened.push(store);
  return store;
}

/** Any JSON object: these tests are about claims, not payloads. */
const AnyPayload = z.record(z.string(), z.unknown());
type Handlers = Record<string, (item: OutboxRow) => Promise<void>>;

function worker(
  options: Partial<WorkerOptions> & Pick<WorkerOptions, 'store'> & { handlers: Handlers },
) {
  const w = createOutboxWorker({
    now: () => new Date(),
    log,
    pollMs: 10,
    baseDelayMs: 5,
    maxDelayMs: 20,
    rerunDelayMs: 5,
    ...options,
    effects: Object.entries(options.handlers).map(([kind, handle]) =>
      defineEffect({ kind, payload: AnyPayload }).handledBy((_payload, item) => handle(item)),
    ),
  });
  workers.push(w);
  return w;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

test('two workers on one file: every item delivered exactly once, each lane in order and one at a time', async () => {
  const first = connect();
  const second = connect();
  const LANES = 6;
  const PER_LANE = 25;
  const delivered: { lane: string; seq: number; by: string }[] = [];
  const busyLanes = new Set<string>();
  const overlaps: string[] = [];
  const handlerFor = (by: string): Handlers => ({
    step: async (item) => {
      const { lane, seq } = item.payload as { lane: string; seq: number };
      if (busyLanes.has(lane)) overlaps.push(`${lane}:${seq}`);
      busyLanes.add(lane);
      await sleep(Math.random() * 4);
      // Now and then a transient failure: the retry must still keep the lane's order.
      if (Math.random() < 0.05) {
        busyLanes.delete(lane);
        throw new Error('Slack said 500');
      }
      delivered.push({ lane, seq, by });
      busyLanes.delete(lane);
    },
  });
  const now = new Date();
  for (let seq = 0; seq < PER_LANE; seq++)
    for (let l = 0; l < LANES; l++)
      await first.store.tx((tx) =>
        enqueue(tx, { kind: 'step', lane: `lane-${l}`, payload: { lane: `lane-${l}`, seq } }, now),
      );

  const a = worker({
    store: first.store,
    handlers: handlerFor('a'),
    workerId: 'a',
    concurrency: 4,
  });
  const b = worker({
    store: second.store,
    handlers: handlerFor('b'),
    workerId: 'b',
    concurrency: 4,
  });
  await a.start();
  await b.start();
  await until(() => delivered.length >= LANES * PER_LANE && a.running + b.running === 0, 20_000);
  await sleep(50); // anything delivered twice would show up now

  expect(overlaps).toEqual([]);
  expect(delivered).toHaveLength(LANES * PER_LANE);
  for (let l = 0; l < LANES; l++) {
    const seqs = delivered.filter((d) => d.lane === `lane-${l}`).map((d) => d.seq);
    expect(seqs).toEqual(Array.from({ length: PER_LANE }, (_, i) => i));
  }
  // Both did real work: the claim, not luck, kept them apart.
  expect(new Set(delivered.map((d) => d.by))).toEqual(new Set(['a', 'b']));
  expect((await second.store.read((tx) => outboxStats(tx, new Date()))).pending).toBe(0);
}, 30_000);

test('a worker that dies holding a claim: after its lease the other worker takes the item over, in lane order', async () => {
  const dead = connect();
  const alive = connect();
  const now = new Date();
  await dead.store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'x', payload: { seq: 0 } }, now));
  await dead.store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'x', payload: { seq: 1 } }, now));
  // The dying worker claims the lane head and is never heard of again (no renewal, no outcome).
  const [held] = await dead.store.read((tx) =>
    claim(tx, {
      workerId: 'dead',
      now,
      leaseNow: new Date(),
      leaseMs: 300,
      limit: 10,
    }),
  );
  expect(held?.payload).toEqual({ seq: 0 });

  const seen: { seq: number; at: number }[] = [];
  const started = Date.now();
  await worker({
    store: alive.store,
    workerId: 'alive',
    handlers: {
      step: async (item) => {
        seen.push({ seq: Number(item.payload.seq), at: Date.now() - started });
      },
    },
  }).start();
  await sleep(150);
  expect(seen).toEqual([]); // the lease holds the whole lane, not just its head
  await until(() => seen.length === 2);
  expect(seen.map((s) => s.seq)).toEqual([0, 1]);
  expect(seen[0]?.at).toBeGreaterThanOrEqual(250);

  // The dead worker's late outcome is refused: the fence moved on with the takeover.
  const row = async () => await alive.store.read((tx) => findOutboxItem(tx, held?.id ?? 0));
  expect((await row())?.fence).toBe(2);
  expect(
    await dead.store.tx((tx) => complete(tx, held?.id ?? 0, held?.fence ?? 0, new Date())),
  ).toBe(false);
  expect(
    await dead.store.tx((tx) => giveUp(tx, held?.id ?? 0, held?.fence ?? 0, new Date(), 'late')),
  ).toBe(false);
  expect(await row()).toMatchObject({ status: 'done', claimedBy: 'alive', lastError: null });
});

test('a stale fence cannot complete, retry or park an item that someone else now holds', async () => {
  const one = connect();
  const two = connect();
  const now = new Date();
  await one.store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'x', payload: {} }, now));
  const claimed = async (store: OpenDb, workerId: string, leaseNow: Date) =>
    await store.store.read((tx) => claim(tx, { workerId, now, leaseNow, leaseMs: 1000, limit: 1 }));

  const [first] = await claimed(one, 'one', now);
  expect(first?.fence).toBe(1);
  // Held: nobody else gets the item while the lease runs.
  expect(await claimed(two, 'two', new Date(now.getTime() + 999))).toEqual([]);
  // Expired: taken over, with a new fence.
  const [second] = await claimed(two, 'two', new Date(now.getTime() + 1000));
  expect(second?.fence).toBe(2);

  const id = first?.id ?? 0;
  expect(await one.store.tx((tx) => renewLease(tx, id, 1, new Date(now.getTime() + 5000)))).toBe(
    false,
  );
  expect(await one.store.tx((tx) => complete(tx, id, 1, now))).toBe(false);
  expect(
    await one.store.tx((tx) =>
      reschedule(tx, id, 1, { now, delayMs: 0, error: 'late', countAttempt: true }),
    ),
  ).toBe(false);
  expect(await one.store.tx((tx) => giveUp(tx, id, 1, now, 'late'))).toBe(false);
  expect((await one.store.read((tx) => outboxItems(tx)))[0]).toMatchObject({
    status: 'pending',
    claimedBy: 'two',
    fence: 2,
    attempts: 0,
    lastError: null,
  });
  expect(await two.store.tx((tx) => complete(tx, id, 2, now))).toBe(true);
  expect((await one.store.read((tx) => outboxItems(tx)))[0]?.status).toBe('done');
});

test('a delivery slower than the lease keeps its claim: the other worker never runs it', async () => {
  const first = connect();
  const second = connect();
  await first.store.tx((tx) => enqueue(tx, { kind: 'slow', lane: 'x', payload: {} }, new Date()));
  const runs: string[] = [];
  const slow = (by: string): Handlers => ({
    slow: async () => {
      runs.push(by);
      await sleep(1500); // five leases long
    },
  });
  const a = worker({ store: first.store, workerId: 'a', leaseMs: 300, handlers: slow('a') });
  await a.start();
  await until(() => runs.length === 1);
  const b = worker({ store: second.store, workerId: 'b', leaseMs: 300, handlers: slow('b') });
  await b.start();
  await until(
    async () =>
      a.running === 0 &&
      (await first.store.read((tx) => outboxStats(tx, new Date()))).pending === 0,
  );
  await sleep(50);
  expect(runs).toEqual(['a']);
});

test('a restarted instance takes back what its killed run held at once; another instance waits for the lease', async () => {
  const killed = connect();
  const now = new Date();
  await killed.store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'x', payload: {} }, now));
  await killed.store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'y', payload: {} }, now));
  // The killed run of instance "bot-1" held lane x, another instance "bot-2" holds lane y.
  const [x] = await killed.store.read((tx) =>
    claim(tx, {
      workerId: 'bot-1',
      now,
      leaseNow: now,
      leaseMs: 60_000,
      limit: 1,
    }),
  );
  const [y] = await killed.store.read((tx) =>
    claim(tx, {
      workerId: 'bot-2',
      now,
      leaseNow: now,
      leaseMs: 60_000,
      limit: 1,
    }),
  );
  expect([x?.lane, y?.lane]).toEqual(['x', 'y']);

  const delivered: string[] = [];
  await worker({
    store: connect().store,
    workerId: 'bot-1',
    handlers: {
      step: async (item) => {
        delivered.push(item.lane);
      },
    },
  }).start();
  await until(() => delivered.length === 1, 2000);
  await sleep(100);
  expect(delivered).toEqual(['x']);
});
