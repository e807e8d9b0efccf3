// The freeze gate under load (GET /api/v1/gates/deploy), against baselines measured in the
// same run: a bare node:http server answering a constant {"allowed":true}, and a bare node:http
// server doing the same SQLite read of the active freezes. Load comes from autocannon in a
// worker thread, so it does not share the servers' event loop.
// The box is shared, so the four targets are run in turn, three rounds, and the median is kept.
//   node --import tsx bench/gate.ts [seconds=3] [connections=20] [rounds=3]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { blockingFreezes, type FreezeWindow } from '../src/deploy/freeze.js';

const SECONDS = Number(process.argv[2] ?? 3);
const CONNECTIONS = Number(process.argv[3] ?? 20);
const ROUNDS = Number(process.argv[4] ?? 3);

const dir = mkdtempSync(join(tmpdir(), 'firebreak-gate-bench-'));
const dbPath = join(dir, 'bench.db');
writeFileSync(
  join(dir, 'firebreak.yaml'),
  `services:\n${Array.from({ length: 40 }, (_, i) => `  service-${i}: { aliases: [repo-${i}] }`).join('\n')}\n`,
);

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function load(label: string, url: string) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, workers: 1 });
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${(s as { count: number }).count}`)
    .join(' ');
  return {
    label,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    statuses,
  };
}

const app = createApp(
  loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: dbPath,
    FIREBREAK_CONFIG: join(dir, 'firebreak.yaml'),
    LOG_LEVEL: 'silent',
  }),
  { log: pino({ level: 'silent' }), cron: false },
);

try {
  const { port } = await app.start();
  // A realistic table: 2000 freezes of the past (lifted or expired) and 10 active ones elsewhere.
  const now = Date.now();
  const insert = app.sqlite.prepare(
    `INSERT INTO freezes (services, environments, reason, created_by, created_at, expires_at, lifted_at)
     VALUES (?, ?, 'bench', 'U0BENCH', ?, ?, ?)`,
  );
  app.sqlite.transaction(() => {
    for (let i = 0; i < 2000; i++)
      insert.run(
        JSON.stringify([`service-${i % 40}`]),
        '["production"]',
        now - 86_400_000,
        now - 3_600_000,
        i % 2 ? now - 7_200_000 : null,
      );
    for (let i = 0; i < 10; i++)
      insert.run(
        JSON.stringify([`service-${30 + i}`, 'payments-*']),
        '["prod*"]',
        now - 60_000,
        now + 3_600_000,
        null,
      );
  })();
  const gate = `http://127.0.0.1:${port}/api/v1/gates/deploy?service=repo-7&environment=production`;

  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"allowed":true}');
  });
  const reader = new Database(dbPath, { readonly: true });
  const active = reader.prepare(
    'SELECT * FROM freezes WHERE lifted_at IS NULL AND expires_at > ? AND created_at <= ?',
  );
  const withDb = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const at = new Date();
    const rows = (active.all(at.getTime(), at.getTime()) as Record<string, unknown>[]).map(
      (r): FreezeWindow => ({
        id: Number(r.id),
        services: JSON.parse(String(r.services)),
        environments: JSON.parse(String(r.environments)),
        createdAt: new Date(Number(r.created_at)),
        expiresAt: new Date(Number(r.expires_at)),
        liftedAt: null,
        blocksRollbacks: false,
      }),
    );
    const blocked = blockingFreezes(
      rows,
      { service: url.searchParams.get('service') ?? '', environment: 'production' },
      at,
    );
    res.writeHead(blocked.length ? 423 : 200, {
      'content-type': 'application/json; charset=utf-8',
    });
    res.end(JSON.stringify({ allowed: blocked.length === 0 }));
  });
  const bareUrl = await listen(bare);
  const withDbUrl = await listen(withDb);

  await load('warm-up', gate);
  const targets = [
    ['bare node:http, constant JSON', `${bareUrl}/?service=service-7`],
    ['bare node:http + same SQLite read', `${withDbUrl}/?service=service-7`],
    ['firebreak GET /api/v1/gates/deploy (200)', gate],
    ['firebreak GET /api/v1/gates/deploy (423)', gate.replace('repo-7', 'service-31')],
  ] as const;
  const runs: Awaited<ReturnType<typeof load>>[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++)
    for (const [i, [label, url]] of targets.entries()) runs[i]?.push(await load(label, url));
  const median = (xs: Awaited<ReturnType<typeof load>>[]) =>
    [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)] as Awaited<
      ReturnType<typeof load>
    >;
  const results = runs.map(median);
  console.log(
    `${SECONDS} s per run, ${CONNECTIONS} connections, ${ROUNDS} rounds (median shown), autocannon in a worker thread\n`,
  );
  for (const [i, r] of results.entries())
    console.log(
      `${r.label.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ${r.statuses}  (rounds: ${runs[i]?.map((x) => x.rps.toFixed(0)).join(', ')})`,
    );
  const [b, d, g, f] = results as [
    (typeof results)[number],
    (typeof results)[number],
    (typeof results)[number],
    (typeof results)[number],
  ];
  console.log(`\nratio gate(200) / bare node:http: ${(g.rps / b.rps).toFixed(2)}`);
  console.log(`ratio gate(423) / bare node:http: ${(f.rps / b.rps).toFixed(2)}`);
  console.log(`ratio gate(200) / bare node:http + SQLite read: ${(g.rps / d.rps).toFixed(2)}`);
  bare.close();
  withDb.close();
  reader.close();
} finally {
  await app.stop({ timeoutMs: 2000 });
  rmSync(dir, { recursive: true, force: true });
}
