import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import { defineEffect, type EffectHandler } from '../../src/outbox/effects.js';
import { backoffMs, createOutboxWorker, DeliveryError } from '../../src/outbox/worker.js';
import {
  enqueue,
  type OutboxRow,
  outboxItems,
  outboxStats,
  pendingInLane,
} from '../../src/store/outbox.js';
import { testDb } from '../support/db.js';

const log = pino({ level: 'silent' });
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

type RowHandler = (item: OutboxRow) => Promise<void>;

/** Handlers of untyped test kinds, each taking any JSON object. */
const effectsOf = (handlers: Record<string, RowHandler>): EffectHandler[] =>
  Object.entries(handlers).map(([kind, handle]) =>
    defineEffect({ kind, payload: z.record(z.string(), z.unknown()) }).handledBy((_, item) =>
      handle(item),
    ),
  );

function setup(handlers: Record<string, RowHandler>) {
  const opened = testDb();
  const worker = createOutboxWorker({
    store: opened.store,
    now: () => new Date(),
    log,
    effects: effectsOf(handlers),
    pollMs: 20,
    baseDelayMs: 10,
    maxDelayMs: 40,
    maxAttempts: 4,
    rerunDelayMs: 5,
  });
  cleanup = async () => {
    await worker.stop();
    opened.close();
  };
  return { ...opened, worker };
}

test('items of one lane run one at a time, in order; lanes run side by side', async () => {
  const seen: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const { store, worker } = setup({
    step: async (item) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(`${item.lane}:${item.payload.n}`);
      running--;
    },
  });
  const now = new Date();
  for (let n = 0; n < 3; n++) {
    await store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'a', payload: { n } }, now));
    await store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'b', payload: { n } }, now));
  }
  await worker.drain(5000);
  expect(seen.filter((s) => s.startsWith('a:'))).toEqual(['a:0', 'a:1', 'a:2']);
  expect(seen.filter((s) => s.startsWith('b:'))).toEqual(['b:0', 'b:1', 'b:2']);
  expect(maxRunning).toBe(2);
  expect((await store.read((tx) => outboxStats(tx, new Date()))).pending).toBe(0);
});

test('a transient failure is retried with backoff; a later item of the lane waits for it', async () => {
  const seen: number[] = [];
  let failures = 2;
  const { store, worker } = setup({
    step: async (item) => {
      if (item.payload.n === 0 && failures-- > 0) throw new Error('Slack said 500');
      seen.push(Number(item.payload.n));
    },
  });
  await store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'a', payload: { n: 0 } }, new Date()));
  await store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'a', payload: { n: 1 } }, new Date()));
  await worker.drain(5000);
  expect(seen).toEqual([0, 1]);
});

test('a permanent failure parks the item and lets the lane go on', async () => {
  const given: string[] = [];
  const opened = testDb();
  const worker = createOutboxWorker({
    store: opened.store,
    now: () => new Date(),
    log,
    pollMs: 20,
    effects: effectsOf({
      bad: async () => {
        throw new DeliveryError('invalid_blocks', { permanent: true });
      },
      good: async () => {},
    }),
    onGiveUp: (_item, error) => given.push(error),
  });
  cleanup = async () => {
    await worker.stop();
    opened.close();
  };
  await opened.store.tx((tx) => enqueue(tx, { kind: 'bad', lane: 'a', payload: {} }, new Date()));
  await opened.store.tx((tx) => enqueue(tx, { kind: 'good', lane: 'a', payload: {} }, new Date()));
  await worker.drain(5000);
  const rows = await opened.store.read((tx) => outboxItems(tx));
  expect(rows.map((r) => r.status)).toEqual(['failed', 'done']);
  expect(given).toEqual(['invalid_blocks']);
});

test('throttling (429) waits Retry-After without using up attempts', async () => {
  let calls = 0;
  const started = Date.now();
  const { store, worker } = setup({
    step: async () => {
      calls++;
      if (calls <= 5)
        throw new DeliveryError('rate limited', { throttled: true, retryAfterMs: 30 });
    },
  });
  await store.tx((tx) => enqueue(tx, { kind: 'step', lane: 'a', payload: {} }, new Date()));
  await worker.drain(5000);
  // maxAttempts is 4, yet five throttles in a row still end in delivery.
  expect(calls).toBe(6);
  expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 30 - 10);
  expect((await store.read((tx) => outboxItems(tx)))[0]?.status).toBe('done');
});

test('enqueuing a coalesced effect while one is pending adds no row; asking during a run makes it run again', async () => {
  let runs = 0;
  let release: () => void = () => {};
  const { store, worker } = setup({
    sync: async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    },
  });
  const item = { kind: 'sync', lane: 'x', payload: {}, coalesceKey: 'sync:1' };
  await store.tx((tx) => enqueue(tx, item, new Date()));
  await store.tx((tx) => enqueue(tx, item, new Date()));
  expect(await store.read((tx) => pendingInLane(tx, 'x'))).toHaveLength(1);
  await worker.start();
  await new Promise((r) => setTimeout(r, 50));
  expect(runs).toBe(1);
  await store.tx((tx) => enqueue(tx, item, new Date())); // while the first run is still going
  release();
  await worker.drain(5000);
  expect(runs).toBe(2);
  // The rerun went to the back of the lane as a fresh item; nothing is left pending.
  expect((await store.read((tx) => outboxItems(tx))).map((r) => r.status)).toEqual([
    'done',
    'done',
  ]);
});

test('an item whose handler is missing is parked, not retried forever', async () => {
  const { store, worker } = setup({});
  await store.tx((tx) => enqueue(tx, { kind: 'unknown', lane: 'a', payload: {} }, new Date()));
  await worker.drain(2000);
  expect((await store.read((tx) => outboxItems(tx)))[0]?.status).toBe('failed');
});

test('backoff grows exponentially with jitter and is capped', () => {
  expect(backoffMs(0, 1000, 60_000, () => 0)).toBe(500);
  expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(8000);
  expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
});

test('an urgent request pulls a held-back coalesced item forward; a background one leaves it waiting', async () => {
  const { store } = setup({});
  const t0 = new Date('2026-11-22T10:00:00Z');
  const later = new Date(t0.getTime() + 3000);
  await store.tx((tx) =>
    enqueue(tx, { kind: 'sync', lane: 'x', payload: {}, coalesceKey: 'sync:1', delayMs: 3000 }, t0),
  );
  await store.tx((tx) =>
    enqueue(tx, { kind: 'sync', lane: 'x', payload: {}, coalesceKey: 'sync:1' }, t0),
  );
  expect((await store.read((tx) => outboxItems(tx)))[0]?.nextAttemptAt).toEqual(later);
  await store.tx((tx) =>
    enqueue(tx, { kind: 'sync', lane: 'x', payload: {}, coalesceKey: 'sync:1', urgent: true }, t0),
  );
  expect((await store.read((tx) => outboxItems(tx))).map((r) => r.nextAttemptAt)).toEqual([t0]);
});
