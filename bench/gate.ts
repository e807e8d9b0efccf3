// The freeze gate under load (issue 4): GET /api/v1/gates/deploy on the real bot process,
// against baselines measured in the same run, each its own process like the bot: a bare
// node:http server answering a constant {"allowed":true}, and a bare node:http server doing the
// same SQLite read of the active freezes. The machine is shared, so the targets take turns for
// a few rounds and the median round is reported. Ratios, not asserts.
// Runs the built bot (npm run build first; `npm run bench` does).
//   node --import tsx bench/gate.ts   (BENCH_SECONDS=3 BENCH_CONNECTIONS=16 BENCH_ROUNDS=3)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openDb } from '../src/store/sqlite.js';
import { freePort, machine, printTable, ROOT, round, startChild } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OUT = join(ROOT, 'bench/out/gate');

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  statuses: string;
}

async function load(url: string): Promise<LoadResult> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${(s as { count: number }).count}`)
    .join(' ');
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
  };
}

/** A realistic table: 2000 past freezes (lifted or expired) and 10 active ones elsewhere. */
function seed(path: string) {
  const { sqlite, close } = openDb(path);
  const now = Date.now();
  const insert = sqlite.prepare(
    `INSERT INTO freezes (services, environments, reason, created_by, created_at, expires_at, lifted_at)
     VALUES (?, ?, 'bench', 'U0BENCH', ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (let i = 0; i < 2000; i++)
      insert.run(
        `["service-${i % 40}"]`,
        '["production"]',
        now - 86_400_000,
        now - 3_600_000,
        i % 2 ? now - 7_200_000 : null,
      );
    for (let i = 0; i < 10; i++)
      insert.run(
        `["service-${30 + i}","payments-*"]`,
        '["prod*"]',
        now - 60_000,
        now + 3_600_000,
        null,
      );
  })();
  close();
}

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  console.log(
    `machine: ${machine()}; ${SECONDS}s × ${CONNECTIONS} connections per run, ${ROUNDS} rounds`,
  );
  const dbPath = join(OUT, 'gate.db');
  seed(dbPath);
  const config = join(OUT, 'firebreak.yaml');
  writeFileSync(
    config,
    `services:\n${Array.from({ length: 40 }, (_, i) => `  service-${i}: { aliases: [repo-${i}] }`).join('\n')}\n`,
  );

  const constant = await startChild(
    ['bench/gate-baseline-server.mjs'],
    { BASELINE: 'constant' },
    await freePort(),
  );
  const withSqlite = await startChild(
    ['bench/gate-baseline-server.mjs'],
    { BASELINE: 'sqlite', DATABASE_PATH: dbPath },
    await freePort(),
  );
  const bot = await startChild(
    ['bin/firebreak.js', 'serve'],
    {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      DATABASE_PATH: dbPath,
      FIREBREAK_CONFIG: config,
      LOG_LEVEL: 'error',
    },
    await freePort(),
  );
  const targets = [
    ['bare node:http, constant JSON', `${constant.base}/?service=service-7`],
    ['bare node:http + the same SQLite read', `${withSqlite.base}/?service=service-7`],
    [
      'firebreak /api/v1/gates/deploy → 200',
      `${bot.base}/api/v1/gates/deploy?service=repo-7&environment=production`,
    ],
    [
      'firebreak /api/v1/gates/deploy → 423',
      `${bot.base}/api/v1/gates/deploy?service=service-31&environment=production`,
    ],
  ] as const;
  try {
    for (const [, url] of targets) await load(url); // warm-up
    const runs: LoadResult[][] = targets.map(() => []);
    for (let r = 0; r < ROUNDS; r++)
      for (const [i, [, url]] of targets.entries()) runs[i]?.push(await load(url));
    const median = (xs: LoadResult[]) =>
      [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)] as LoadResult;
    const results = runs.map(median);
    const base = results[0] as LoadResult;
    printTable(
      'Freeze gate (median round)',
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'status codes', 'ratio to bare', 'rounds req/s'],
      targets.map(([label], i) => {
        const r = results[i] as LoadResult;
        return [
          label,
          round(r.rps, 0),
          r.p50,
          r.p99,
          r.statuses,
          round(r.rps / base.rps, 2),
          (runs[i] ?? []).map((x) => round(x.rps, 0)).join(', '),
        ];
      }),
    );
  } finally {
    await bot.stop();
    await constant.stop();
    await withSqlite.stop();
  }
}

await main();
