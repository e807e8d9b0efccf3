import { afterEach, expect, test } from 'vitest';
import {
  claim,
  complete,
  enqueue,
  giveUp,
  outboxItems,
  pruneSettled,
} from '../../src/store/outbox.js';
import { type OpenDb, openDb } from '../../src/store/sqlite.js';

let opened: OpenDb | undefined;
afterEach(() => opened?.close());

const DAY = 24 * 60 * 60_000;
const T0 = new Date('2026-11-01T00:00:00Z');
const day = (n: number) => new Date(T0.getTime() + n * DAY);

test('the nightly prune deletes settled items older than the cutoff; pending ones stay however old', async () => {
  opened = openDb(':memory:');
  const { store } = opened;
  for (const lane of ['done', 'failed', 'pending', 'recent'])
    await store.tx((tx) => enqueue(tx, { kind: 'step', lane, payload: { lane } }, T0));
  // A pending item can wait for days on purpose (an archive scheduled a week ahead).
  await store.tx((tx) =>
    enqueue(tx, { kind: 'step', lane: 'later', payload: {}, delayMs: 30 * DAY }, T0),
  );
  const held = await store.tx((tx) =>
    claim(tx, { workerId: 'w', now: T0, leaseNow: T0, leaseMs: 60_000, limit: 10 }),
  );
  const byLane = (lane: string) => held.find((h) => h.lane === lane) ?? { id: 0, fence: 0 };
  expect(await store.tx((tx) => complete(tx, byLane('done').id, byLane('done').fence, T0))).toBe(
    true,
  );
  expect(
    await store.tx((tx) => giveUp(tx, byLane('failed').id, byLane('failed').fence, T0, 'no')),
  ).toBe(true);
  expect(
    await store.tx((tx) => complete(tx, byLane('recent').id, byLane('recent').fence, day(8))),
  ).toBe(true);

  expect(await store.tx((tx) => pruneSettled(tx, day(7)))).toBe(2);
  expect((await store.read((tx) => outboxItems(tx))).map((i) => [i.lane, i.status])).toEqual([
    ['pending', 'pending'],
    ['recent', 'done'],
    ['later', 'pending'],
  ]);
});
