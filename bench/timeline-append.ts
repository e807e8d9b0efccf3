// Timeline append throughput: await record() (dedupe check, chain head read, SHA-256, insert, head
// upsert) against a raw INSERT of the same row into the same table, in the same run.
// Two shapes: one transaction per event (how the services call it; fsync-bound with
// synchronous=FULL) and one transaction for a whole batch (CPU cost of the chain itself).
// Run: node --import tsx bench/timeline-append.ts
import type { Tx } from '../src/store/unit-of-work.js';
import { record } from '../src/timeline/timeline.js';
import { printTable } from './lib.js';
import { insertIncident, tempDb } from './support.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const payload = (i: number) => ({ text: `status update ${i}: error rate back to 0.2%`, n: i });

async function measure(perCommit: boolean, events: number) {
  const { store, sqlite, dispose } = tempDb();
  const rawIncident = await store.tx((tx) => insertIncident(tx, T0, 'raw'));
  const chainIncident = await store.tx((tx) => insertIncident(tx, T0, 'chain'));
  const insert = sqlite.prepare(
    `INSERT INTO timeline_events (stream, incident_id, seq, at, recorded_at, kind, actor, source, payload, dedupe_key, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, 'status_update', 'U0ANA0001', 'slack', ?, NULL, ?, ?)`,
  );
  const raw = (i: number) =>
    insert.run(
      `incident:${rawIncident}`,
      rawIncident,
      i + 1,
      T0.getTime() + i,
      T0.getTime() + i,
      JSON.stringify(payload(i)),
      '0'.repeat(64),
      '0'.repeat(64),
    );
  const chained = (i: number, tx: Tx) =>
    record(
      tx,
      {
        incidentId: chainIncident,
        kind: 'status_update',
        at: new Date(T0.getTime() + i),
        actor: 'U0ANA0001',
        source: 'slack',
        payload: payload(i),
      },
      new Date(T0.getTime() + i),
    );

  const run = async (fn: () => unknown) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  let rawMs = 0;
  let chainMs = 0;
  if (perCommit) {
    // Commits are fsync-bound and the disk is shared: interleave the two in rounds so both
    // see the same disk conditions.
    const rawOne = sqlite.transaction((i: number) => raw(i));
    const rounds = 10;
    const per = events / rounds;
    for (let r = 0; r < rounds; r++) {
      rawMs += await run(() => {
        for (let i = r * per; i < (r + 1) * per; i++) rawOne(i);
      });
      chainMs += await run(async () => {
        for (let i = r * per; i < (r + 1) * per; i++) await store.tx((tx) => chained(i, tx));
      });
    }
  } else {
    rawMs = await run(() =>
      sqlite.transaction(() => {
        for (let i = 0; i < events; i++) raw(i);
      })(),
    );
    chainMs = await run(() =>
      store.tx(async (tx) => {
        for (let i = 0; i < events; i++) await chained(i, tx);
      }),
    );
  }
  dispose();
  return { rawMs, chainMs };
}

const rows: (string | number)[][] = [];
for (const [shape, perCommit, events] of [
  ['1 transaction per event', true, 5_000],
  ['1 transaction per batch', false, 50_000],
] as const) {
  const { rawMs, chainMs } = await measure(perCommit, events);
  const rawRate = (events / rawMs) * 1000;
  const chainRate = (events / chainMs) * 1000;
  rows.push([
    shape,
    events.toLocaleString('en'),
    Math.round(rawRate).toLocaleString('en'),
    Math.round(chainRate).toLocaleString('en'),
    (chainRate / rawRate).toFixed(2),
    ((chainMs / events) * 1000).toFixed(1),
  ]);
}
printTable(
  'Timeline append throughput (file-backed SQLite, WAL, synchronous=FULL)',
  ['shape', 'events', 'raw insert /s', 'await record() /s', 'ratio', 'await record() µs/event'],
  rows,
);
process.stdout.write(
  '\nratio = await record() throughput ÷ raw insert throughput, measured in the same run.\n',
);
