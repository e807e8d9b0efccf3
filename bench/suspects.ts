// Suspect-deploy ranking over 100 000 stored deploys: time per incident, against baselines
// measured in the same run on the same file.
//   node --import tsx bench/suspects.ts [deploys=100000] [incidents=2000] [spread|hot]
// spread: 40 services × 3 environments; hot: every deploy to one service+environment (the
// worst case for one index range: ~90 deploys in each 2 h window).
// Prints numbers and ratios; it asserts nothing (the budget is 5 ms per incident).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSuspects } from '../src/deploy/suspects.js';
import { openDb } from '../src/store/sqlite.js';
import { machine, printTable } from './lib.js';

const DEPLOYS = Number(process.argv[2] ?? 100_000);
const INCIDENTS = Number(process.argv[3] ?? 2_000);
const HOT = process.argv[4] === 'hot';
const SERVICES = HOT ? 1 : 40;
const ENVIRONMENTS = HOT ? ['production'] : ['production', 'staging', 'canary'];
const SPAN_MS = 90 * 24 * 60 * 60_000; // three months of history
const WINDOW_MS = 2 * 60 * 60_000;
const END = Date.parse('2026-11-22T10:00:00Z');

// mulberry32 with a fixed seed, so runs compare.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
const services = Array.from({ length: SERVICES }, (_, i) => `service-${i}`);

const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
const { store, sqlite, close } = openDb(join(dir, 'bench.db'));
try {
  const insert = sqlite.prepare(
    `INSERT INTO deploys (source, dedupe_key, service, service_known, environment, status, version, at, received_at, updated_at)
     VALUES ('generic', ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
  );
  const started = performance.now();
  sqlite.transaction(() => {
    for (let i = 0; i < DEPLOYS; i++) {
      const at = END - Math.floor(random() * SPAN_MS);
      const r = random();
      const status = r < 0.01 ? 'started' : r < 0.06 ? 'failed' : 'succeeded';
      insert.run(`generic:${i}`, pick(services), pick(ENVIRONMENTS), status, `v${i}`, at, at, at);
    }
  })();
  sqlite.pragma('optimize');
  const loadMs = performance.now() - started;

  const incidents = Array.from({ length: INCIDENTS }, () => ({
    services: random() < 0.2 ? [pick(services), pick(services)] : [pick(services)],
    environment: pick(ENVIRONMENTS),
    detectedAt: new Date(END - Math.floor(random() * SPAN_MS)),
  }));

  async function time(
    label: string,
    fn: (i: (typeof incidents)[number]) => number | Promise<number>,
  ) {
    for (const i of incidents.slice(0, 200)) await fn(i); // warm up
    const samples: number[] = [];
    let found = 0;
    for (const incident of incidents) {
      const t = performance.now();
      found += await fn(incident);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const q = (p: number) =>
      samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? 0;
    return {
      label,
      mean,
      p50: q(0.5),
      p99: q(0.99),
      max: samples.at(-1) ?? 0,
      found: found / incidents.length,
    };
  }

  const policy = { windowMs: WINDOW_MS, max: 3 };
  // Through the store, as the intake calls it: a unit of work per incident.
  const ours = await time(
    'findSuspects (prepared, 2 index seeks/service)',
    async (i) => (await store.read((tx) => findSuspects(tx, i, policy))).length,
  );
  // Floor: the same index seek as one hand-written prepared statement, no ORM, no ranking.
  const raw = sqlite.prepare(
    'SELECT * FROM deploys WHERE service = ? AND environment = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT 50',
  );
  const floor = await time('baseline: raw prepared index seek', (i) => {
    let n = 0;
    for (const s of i.services)
      n += raw.all(
        s,
        i.environment,
        i.detectedAt.getTime() - WINDOW_MS,
        i.detectedAt.getTime(),
      ).length;
    return Math.min(n, 3);
  });
  // What it would cost without the index: the same query forced to scan the table.
  const scan = sqlite.prepare(
    'SELECT * FROM deploys NOT INDEXED WHERE service = ? AND environment = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT 50',
  );
  const unindexed = await time('baseline: same query, table scan (no index)', (i) => {
    let n = 0;
    for (const s of i.services)
      n += scan.all(
        s,
        i.environment,
        i.detectedAt.getTime() - WINDOW_MS,
        i.detectedAt.getTime(),
      ).length;
    return Math.min(n, 3);
  });

  const ms = (v: number) => v.toFixed(3);
  console.log(
    `machine: ${machine()}; ${DEPLOYS} deploys (${SERVICES} services × ${ENVIRONMENTS.length} environments over 90 days, loaded in ${(loadMs / 1000).toFixed(1)} s); ${INCIDENTS} incidents (20% with two services), window 2 h, keep 3`,
  );
  printTable(
    `Suspect ranking per incident${HOT ? ' (hot: every deploy to one service+environment)' : ''}`,
    ['query', 'mean ms', 'p50 ms', 'p99 ms', 'max ms', 'suspects/incident'],
    [ours, floor, unindexed].map((r) => [
      r.label,
      ms(r.mean),
      ms(r.p50),
      ms(r.p99),
      ms(r.max),
      r.found.toFixed(2),
    ]),
  );
  console.log(`\nfindSuspects / raw seek (p50): ${(ours.p50 / floor.p50).toFixed(2)}×`);
  console.log(
    `table scan / findSuspects (p50): ${(unindexed.p50 / ours.p50).toFixed(0)}× slower without the index`,
  );
  console.log(
    `budget 5 ms per incident: findSuspects p99 uses ${((ours.p99 / 5) * 100).toFixed(1)}% of it`,
  );
} finally {
  close();
  rmSync(dir, { recursive: true, force: true });
}
