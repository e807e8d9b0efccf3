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

test('the nightly prune deletes settled items older than the cutoff; pending ones stay however old', () => {
  opened = openDb(':memory:');
  const { db } = opened;
  for (const lane of ['done', 'failed', 'pending', 'recent'])
    enqueue(db, { kind: 'step', lane, payload: { lane } }, T0);
  // A pending item can wait for days on purpose (an archive scheduled a week ahead).
  enqueue(db, { kind: 'step', lane: 'later', payload: {}, delayMs: 30 * DAY }, T0);
  const held = claim(db, { workerId: 'w', now: T0, leaseNow: T0, leaseMs: 60_000, limit: 10 });
  const byLane = (lane: string) => held.find((h) => h.lane === lane) ?? { id: 0, fence: 0 };
  expect(complete(db, byLane('done').id, byLane('done').fence, T0)).toBe(true);
  expect(giveUp(db, byLane('failed').id, byLane('failed').fence, T0, 'no')).toBe(true);
  expect(complete(db, byLane('recent').id, byLane('recent').fence, day(8))).toBe(true);

  expect(pruneSettled(db, day(7))).toBe(2);
  expect(outboxItems(db).map((i) => [i.lane, i.status])).toEqual([
    ['pending', 'pending'],
    ['recent', 'done'],
    ['later', 'pending'],
  ]);
});
