// Ingest benchmark (issue 2): HTTP load on POST /webhooks/alerts against a bare node:http +
// better-sqlite3 baseline measured in the same run, then idle RSS and the time from an alert
// being received to its incident card being posted in the Slack emulator.
//   node --import tsx bench/ingest.ts            (BENCH_SECONDS=8 BENCH_CONNECTIONS=16 by default)
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSlackEmulator } from '../test/emulators/slack.js';
import {
  freePort,
  machine,
  percentile,
  printTable,
  ROOT,
  round,
  sleep,
  startChild,
} from './lib.js';
import { alertLoad, BENCH_TOKEN, startBot } from './loads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** New incidents timed from alert to card: fewer than Tier 2 allows in a minute. */
const PROBES = 15;
const TOKEN = BENCH_TOKEN;
const OUT = join(ROOT, 'bench/out');

const load = (url: string, headers: Record<string, string>) =>
  alertLoad(url, headers, { connections: CONNECTIONS, seconds: SECONDS });

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  console.log(`machine: ${machine()}; ${SECONDS}s × ${CONNECTIONS} connections per run`);

  // 1. Baseline.
  const baseline = await startChild(
    ['bench/baseline-server.mjs'],
    { DATABASE_PATH: join(OUT, 'baseline.db') },
    await freePort(),
  );
  await load(`${baseline.base}/alerts`, {}); // warm-up
  const base = await load(`${baseline.base}/alerts`, {});
  await baseline.stop();

  // 2. The bot, talking to the Slack emulator.
  const slack = await startSlackEmulator();
  const bot = await startBot(OUT, slack.apiUrl);
  const { dbPath } = bot;
  await sleep(2000);
  const idleRss = bot.rssMb();
  // 2a. Alert received → card posted, one new incident at a time. First, while Slack's Tier 2
  // budget (about 20 channels a minute, which the bot paces itself to) is unused: the 50
  // incidents of the load below take it for the next minutes.
  const latencies: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const started = performance.now();
    const res = await fetch(`${bot.base}/webhooks/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        dedupeKey: `latency-${i}`,
        group: `latency-${i}`,
        title: `Latency probe ${i}`,
      }),
    });
    if (res.status !== 202) throw new Error(`probe refused: ${res.status}`);
    const suffix = `-latency-probe-${i}`;
    for (;;) {
      const channel = [...slack.state.channels.values()].find((c) => c.name.endsWith(suffix));
      if (channel && slack.messages(channel.id).length > 0) break;
      await sleep(1);
    }
    latencies.push(performance.now() - started);
  }
  let peakRss = idleRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, bot.rssMb());
  }, 100);
  const ours = await load(`${bot.base}/webhooks/alerts`, { authorization: `Bearer ${TOKEN}` });
  clearInterval(sampler);

  await bot.stop();
  await slack.close();

  const store = new Database(dbPath, { readonly: true });
  const count = (sql: string) => (store.prepare(sql).get() as { n: number }).n;
  const incidents = count("SELECT count(*) AS n FROM incidents WHERE title LIKE 'Bench alert%'");
  const alerts = count("SELECT count(*) AS n FROM alerts WHERE dedupe_key LIKE 'bench-%'");
  store.close();

  printTable(
    'Ingest: POST /webhooks/alerts vs bare node:http + better-sqlite3 (same run, same pragmas)',
    ['server', 'alerts/s', 'p50 ms', 'p99 ms', 'requests', 'errors', 'non-2xx', 'ratio'],
    [
      [
        'baseline',
        round(base.rps),
        base.p50,
        base.p99,
        base.total,
        base.errors,
        base.non2xx,
        '1.00',
      ],
      [
        'firebreak',
        round(ours.rps),
        ours.p50,
        ours.p99,
        ours.total,
        ours.errors,
        ours.non2xx,
        (ours.rps / base.rps).toFixed(2),
      ],
    ],
  );
  printTable(
    'Integrity after the load',
    ['alerts accepted (2xx)', 'alerts stored', 'incidents (groups: 50)'],
    [[ours.total - ours.non2xx - ours.errors, alerts, incidents]],
  );
  printTable(
    `Alert received → incident card posted (Slack emulator, ${PROBES} incidents)`,
    ['p50 ms', 'p99 ms', 'max ms'],
    [
      [
        round(percentile(latencies, 50)),
        round(percentile(latencies, 99)),
        round(Math.max(...latencies)),
      ],
    ],
  );
  printTable(
    'Memory (bot process)',
    ['idle RSS MB', 'peak RSS under load MB'],
    [[idleRss, peakRss]],
  );
}

await main();
