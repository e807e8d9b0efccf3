// Issue 13's table, every row measured in this one run against its baseline from the same run:
// ingest against bare node:http + one better-sqlite3 INSERT (synchronous NORMAL and FULL), the
// 10 000-alert storm, idle RSS, start-up to ready, and `npm start`.
//   npm run build && node --import tsx bench/speed.ts     (BENCH_SECONDS=8 BENCH_CONNECTIONS=32)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { alertLoad, BENCH_TOKEN, sendStorm, startBot } from './loads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STARTS = 3;
const load = { connections: CONNECTIONS, seconds: SECONDS };

const dir = mkdtempSync(join(tmpdir(), 'firebreak-speed-'));
const slack = await startSlackEmulator();
/** The bare baseline on a free port, loaded once to warm up and once to measure. */
async function baselineRate(name: string, synchronous: 'NORMAL' | 'FULL') {
  const server = await startChild(
    ['bench/baseline-server.mjs'],
    { DATABASE_PATH: join(dir, `${name}.db`), BASELINE_SYNCHRONOUS: synchronous },
    await freePort(),
  );
  await sleep(2000);
  const rss = server.rssMb(); // idle, as the bot's is taken
  await alertLoad(`${server.base}/alerts`, {}, { ...load, seconds: 2 });
  const result = await alertLoad(`${server.base}/alerts`, {}, load);
  await server.stop();
  return { rps: result.rps, rss };
}

/** Milliseconds from spawning `command` until GET /readyz answers 200. */
async function timeToReady(command: string, args: string[], env: Record<string, string>) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 30_000) throw new Error(`${command} never got ready`);
      await sleep(5);
    }
    return performance.now() - started;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const botEnv = (name: string) => ({
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_SIGNING_SECRET: 'bench-signing-secret',
  SLACK_API_URL: slack.apiUrl,
  DATABASE_PATH: join(dir, `${name}.db`),
  FIREBREAK_CONFIG: join(dir, 'none.yaml'),
  INGEST_TOKEN: BENCH_TOKEN,
  LOG_LEVEL: 'error',
});

try {
  console.log(`machine: ${machine()}; ${SECONDS}s × ${CONNECTIONS} connections per load`);
  const normal = await baselineRate('normal', 'NORMAL');
  const full = await baselineRate('full', 'FULL');

  const ingestDir = mkdtempSync(join(dir, 'ingest-'));
  const bot = await startBot(ingestDir, slack.apiUrl);
  await sleep(2000);
  const idleRss = bot.rssMb();
  const ours = await alertLoad(
    `${bot.base}/webhooks/alerts`,
    { authorization: `Bearer ${BENCH_TOKEN}` },
    load,
  );
  await bot.stop();

  const stormBase = await startChild(
    ['bench/baseline-server.mjs'],
    { DATABASE_PATH: join(dir, 'storm-base.db') },
    await freePort(),
  );
  const stormBaseMs = await sendStorm(`${stormBase.base}/alerts`, {});
  await stormBase.stop();
  const stormBot = await startBot(mkdtempSync(join(dir, 'storm-')), slack.apiUrl);
  const stormMs = await sendStorm(`${stormBot.base}/webhooks/alertmanager`, {
    authorization: `Bearer ${BENCH_TOKEN}`,
  });
  await stormBot.stop();

  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++)
    starts.push(
      await timeToReady(process.execPath, ['bin/firebreak.js', 'serve'], botEnv(`s${i}`)),
    );
  const npmStart = await timeToReady('npm', ['start', '--silent'], botEnv('npm-start'));
  const rebuilds =
    'prestart' in JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;

  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  printTable(
    'Issue 13: the hot path, the storm, memory and start-up (one run)',
    ['measure', 'firebreak', 'baseline', 'result', 'target'],
    [
      [
        `ingest, 1 alert/request, ${CONNECTIONS} connections, vs synchronous=NORMAL`,
        `${round(ours.rps)}/s`,
        `${round(normal.rps)}/s`,
        ratio(ours.rps, normal.rps),
        '≥ 0.6',
      ],
      [
        'the same, vs synchronous=FULL',
        `${round(ours.rps)}/s`,
        `${round(full.rps)}/s`,
        ratio(ours.rps, full.rps),
        '≥ 0.8',
      ],
      [
        '10 000-alert storm in 200 notifications, time to accept all',
        `${round(stormMs)} ms`,
        `${round(stormBaseMs)} ms`,
        `${ratio(stormMs, stormBaseMs)}× slower`,
        '≤ 2×',
      ],
      ['idle RSS', `${idleRss} MB`, `${full.rss} MB (bare server)`, `${idleRss} MB`, '≤ 80 MB'],
      [
        'start-up to ready (node bin/firebreak.js serve, new database)',
        `${round(percentile(starts, 50))} ms (median of ${STARTS})`,
        '-',
        `${round(percentile(starts, 50))} ms`,
        '≤ 300 ms',
      ],
      [
        'npm start to ready',
        `${round(npmStart)} ms`,
        '-',
        rebuilds ? 'recompiles first (prestart)' : 'runs the built bot',
        'runs the built bot',
      ],
    ],
  );
} finally {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}
