import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import { messageEffect, publishEffect } from '../../src/incidents/effects.js';
import { defineEffect, type EffectHandler } from '../../src/outbox/effects.js';
import { createOutboxWorker } from '../../src/outbox/worker.js';
import { enqueue, outboxItems } from '../../src/store/outbox.js';
import { testDb } from '../support/db.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

const archive = defineEffect({
  kind: 'test.archive',
  payload: z.object({ incidentId: z.number(), resolvedAt: z.number() }),
});

function setup(effects: EffectHandler[]) {
  const opened = testDb();
  const logged: Array<{ msg: string; err?: { message: string } }> = [];
  const given: string[] = [];
  const worker = createOutboxWorker({
    store: opened.store,
    now: () => new Date(),
    log: pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) }),
    effects,
    pollMs: 20,
    baseDelayMs: 10,
    maxDelayMs: 40,
    onGiveUp: (_item, error) => given.push(error),
  });
  cleanup = async () => {
    await worker.stop();
    opened.close();
  };
  return { ...opened, worker, logged, given };
}

test('a payload its schema refuses is parked as failed, the handler never sees it, the lane goes on', async () => {
  const seen: unknown[] = [];
  const { store, worker, logged, given } = setup([
    archive.handledBy(async (payload) => {
      seen.push(payload);
    }),
  ]);
  const now = new Date();
  // Written by an older or broken version: the typed enqueue would not compile with this.
  await store.tx((tx) =>
    enqueue(tx, { kind: archive.kind, lane: 'a', payload: { incidentId: '7' } }, now),
  );
  await store.tx((tx) =>
    archive.enqueue(tx, { lane: 'a', payload: { incidentId: 8, resolvedAt: 1000 } }, now),
  );

  expect(await worker.drain(5000)).toBe(true);
  const rows = await store.read((tx) => outboxItems(tx));
  expect(rows.map((r) => [r.status, r.attempts])).toEqual([
    ['failed', 0],
    ['done', 0],
  ]);
  expect(seen).toEqual([{ incidentId: 8, resolvedAt: 1000 }]);
  // Said once, clearly: which kind, which field, what was wrong.
  expect(given).toHaveLength(1);
  expect(given[0]).toMatch(/^invalid test\.archive payload: /);
  expect(given[0]).toContain('incidentId');
  expect(given[0]).toContain('resolvedAt');
  expect(rows[0]?.lastError).toBe(given[0]);
  const error = logged.find((l) => l.msg === 'outbox item given up');
  expect(error?.err?.message).toBe(given[0]);
});

test('the handler gets the parsed payload: unknown fields are dropped', async () => {
  const seen: unknown[] = [];
  const { store, worker } = setup([
    archive.handledBy(async (payload) => {
      seen.push(payload);
    }),
  ]);
  await store.tx((tx) =>
    enqueue(
      tx,
      { kind: archive.kind, lane: 'a', payload: { incidentId: 1, resolvedAt: 2, extra: true } },
      new Date(),
    ),
  );
  await worker.drain(5000);
  expect(seen).toEqual([{ incidentId: 1, resolvedAt: 2 }]);
});

test('two handlers for one kind are refused when the worker is built', () => {
  const handle = async () => {};
  const opened = testDb();
  cleanup = async () => opened.close();
  expect(() =>
    createOutboxWorker({
      store: opened.store,
      now: () => new Date(),
      log: pino({ level: 'silent' }),
      effects: [
        archive.handledBy(handle),
        publishEffect.handledBy(handle),
        archive.handledBy(handle),
      ],
    }),
  ).toThrow('two outbox handlers for kind test.archive');
});

test('enqueue sites are typed by the schema (checked by tsc, not at run time)', async () => {
  const opened = testDb();
  cleanup = async () => opened.close();
  const { store } = opened;
  const now = new Date();
  const lane = 'chat:incident:1';
  await store.tx((tx) => publishEffect.enqueue(tx, { lane, payload: { incidentId: 1 } }, now));
  // @ts-expect-error incidentId is a number
  await store.tx((tx) => publishEffect.enqueue(tx, { lane, payload: { incidentId: '1' } }, now));
  // @ts-expect-error a payload without its required fields
  await store.tx((tx) => archive.enqueue(tx, { lane, payload: { incidentId: 1 } }, now));
  await store.tx((tx) =>
    messageEffect.enqueue(
      tx,
      {
        lane,
        payload: {
          incidentId: 1,
          to: { kind: 'channel' },
          message: { type: 'owner_missing', since: 0 },
        },
      },
      now,
    ),
  );
  const unrenderable = {
    incidentId: 1,
    to: { kind: 'channel' },
    message: { type: 'nope' },
  } as const;
  // @ts-expect-error a message type the chat edge cannot render
  await store.tx((tx) => messageEffect.enqueue(tx, { lane, payload: unrenderable }, now));
  // @ts-expect-error payloads are JSON objects
  defineEffect({ kind: 'test.number', payload: z.number() });
  expect(await store.read((tx) => outboxItems(tx))).toHaveLength(5);
});
