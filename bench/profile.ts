// Where the time of one alert goes (issue 13): the built bot under the ingest load (one alert per
// request, distinct dedupe keys over 50 groups), with V8's CPU profiler on, and the samples'
// self time summed by what they were doing. Nothing is asserted; it prints the table.
//   npm run build && node --import tsx bench/profile.ts     (BENCH_SECONDS=8 BENCH_CONNECTIONS=32)
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSlackEmulator } from '../test/emulators/slack.js';
import { machine, printTable, ROOT, round, sleep } from './lib.js';
import { alertLoad, BENCH_TOKEN, startBot } from './loads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const OUT = join(ROOT, 'bench/out/profile');

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** The groups of the issue, in the order a request meets them; the first rule that matches wins. */
const GROUPS: [string, (fn: string, url: string) => boolean][] = [
  ['idle (waiting for I/O)', (fn) => fn === '(idle)'],
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  // A native call's time is the self time of the JS frame that made it: better-sqlite3 runs the
  // statements inside drizzle's session methods, BEGIN and COMMIT (the fsync) inside the store.
  ['BEGIN IMMEDIATE and COMMIT (fsync)', (fn, url) => url.endsWith('/store/sqlite.js') && !fn],
  [
    'SQLite statements (run by drizzle)',
    (fn, url) => url.endsWith('/session.js') && /^(run|get|all|values)$/.test(fn),
  ],
  ['query building (drizzle)', (_fn, url) => url.includes('drizzle-orm')],
  ['validation (zod)', (_fn, url) => url.includes('/zod/')],
  ['hashing (timeline chain)', (fn, url) => url.includes('node:crypto') || fn === 'digest'],
  ['JSON', (fn) => fn === 'parse' || fn === 'stringify'],
  ['logging (pino)', (_fn, url) => url.includes('pino')],
  ['Slack (Bolt, web-api, axios)', (_fn, url) => /@slack|axios/.test(url)],
  [
    'HTTP and body',
    (_fn, url) =>
      /node:(_http|http|net|stream|internal\/(http|streams|net))/.test(url) ||
      url.includes('/src/http/'),
  ],
  ['outbox worker', (_fn, url) => url.includes('/outbox/')],
  ['alert intake and inbox', (_fn, url) => /\/(incidents|ingest)\//.test(url)],
  ['store (repositories, units of work)', (_fn, url) => url.includes('/store/')],
  [
    'promises, async context',
    (fn, url) =>
      url.includes('async_hooks') || /^(processTicksAndRejections|runMicrotasks)$/.test(fn),
  ],
  ['other node internals', (_fn, url) => url.startsWith('node:')],
  ['other', () => true],
];

function summarize(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    if (!n) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url } = n.callFrame;
    const group = GROUPS.find(([, test]) => test(functionName, url))?.[0] ?? 'other';
    totals.set(group, (totals.get(group) ?? 0) + ms);
    all += ms;
  });
  return { totals, all };
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const slack = await startSlackEmulator();
const bot = await startBot(OUT, slack.apiUrl, {
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${OUT}`],
});
await sleep(1000);
const result = await alertLoad(
  `${bot.base}/webhooks/alerts`,
  { authorization: `Bearer ${BENCH_TOKEN}` },
  { connections: CONNECTIONS, seconds: SECONDS },
);
await bot.stop();
await slack.close();

const file = readdirSync(OUT).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no .cpuprofile written');
const { totals, all } = summarize(JSON.parse(readFileSync(join(OUT, file), 'utf8')) as Profile);
const requests = result.total;
console.log(
  `machine: ${machine()}; ${SECONDS}s × ${CONNECTIONS} connections; ${requests} alerts accepted (${round(result.rps)}/s), profile ${round(all)} ms`,
);
printTable(
  'Where the bot spends its time under the ingest load (CPU profile, self time)',
  ['what', 'ms', 'share', 'µs per alert'],
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([group, ms]) => [
      group,
      round(ms),
      `${((ms / all) * 100).toFixed(1)}%`,
      round((ms / requests) * 1000),
    ]),
);
