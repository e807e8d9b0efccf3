// Start-up (issue 7): time from `node bin/firebreak.js serve` to GET /readyz answering 200, and
// the bot's idle RSS, against the bare node:http + better-sqlite3 server started the same way.
//   npm run build && node --import tsx bench/startup.ts     (BENCH_STARTS=5)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlackEmulator } from '../test/emulators/slack.js';
import { freePort, machine, percentile, printTable, round, sleep, startChild } from './lib.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);

async function timeStarts(
  args: string[],
  env: (run: number) => Record<string, string>,
  readyPath: string,
) {
  const times: number[] = [];
  let rss = 0;
  for (let run = 0; run < STARTS; run++) {
    const started = performance.now();
    const child = await startChild(args, env(run), await freePort(), readyPath);
    times.push(performance.now() - started);
    await sleep(500);
    rss = Math.max(rss, child.rssMb());
    await child.stop();
  }
  return { median: percentile(times, 50), max: Math.max(...times), rss };
}

const dir = mkdtempSync(join(tmpdir(), 'firebreak-startup-'));
const slack = await startSlackEmulator();
try {
  console.log(`machine: ${machine()}; ${STARTS} starts each, fresh database every time`);
  const baseline = await timeStarts(
    ['bench/baseline-server.mjs'],
    (run) => ({ DATABASE_PATH: join(dir, `base-${run}.db`) }),
    '/readyz',
  );
  const bot = await timeStarts(
    ['bin/firebreak.js', 'serve'],
    (run) => ({
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      DATABASE_PATH: join(dir, `bot-${run}.db`),
      FIREBREAK_CONFIG: join(dir, 'none.yaml'),
      INGEST_TOKEN: 'bench-ingest-token-0123456789',
      LOG_LEVEL: 'error',
    }),
    '/readyz',
  );
  printTable(
    'Start-up to ready (new database: migrations included)',
    ['process', 'median ms', 'max ms', 'idle RSS MB', 'ratio to baseline'],
    [
      [
        'bare node:http + better-sqlite3',
        round(baseline.median),
        round(baseline.max),
        baseline.rss,
        '1.00',
      ],
      [
        'firebreak serve',
        round(bot.median),
        round(bot.max),
        bot.rss,
        (bot.median / baseline.median).toFixed(2),
      ],
    ],
  );
} finally {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}
