// Storm (issue 7): 10 000 alerts in 50 groups, sent as 200 Alertmanager notifications by 10
// senders, against the bot talking to the Slack emulator. Reports how long accepting took
// (every 202 means committed), how long until every incident had its channel and card, and
// the same 200 notifications into the bare baseline server in the same run.
//   npm run build && node --import tsx bench/storm.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSlackEmulator } from '../test/emulators/slack.js';
import { freePort, machine, printTable, round, sleep, startChild } from './lib.js';
import { BENCH_TOKEN, STORM, sendStorm, startBot } from './loads.js';

const GROUPS = STORM.groups;
const NOTIFICATIONS = STORM.notifications;
const PER_NOTIFICATION = STORM.perNotification;
const send = sendStorm;

const dir = mkdtempSync(join(tmpdir(), 'firebreak-storm-'));
const slack = await startSlackEmulator();
try {
  console.log(
    `machine: ${machine()}; ${NOTIFICATIONS * PER_NOTIFICATION} alerts in ${GROUPS} groups`,
  );
  const baseline = await startChild(
    ['bench/baseline-server.mjs'],
    { DATABASE_PATH: join(dir, 'base.db') },
    await freePort(),
  );
  const baseMs = await send(`${baseline.base}/alerts`, {});
  await baseline.stop();

  const bot = await startBot(dir, slack.apiUrl);
  const { dbPath } = bot;
  const started = performance.now();
  const acceptMs = await send(`${bot.base}/webhooks/alertmanager`, {
    authorization: `Bearer ${BENCH_TOKEN}`,
  });
  const store = new Database(dbPath, { readonly: true });
  let settledMs = 0;
  // Slack's Tier 2 allows about 20 conversations.create a minute, and the bot paces itself to
  // it: the first 20 channels come at once, the other 30 over the next two minutes.
  let first20Ms = 0;
  for (;;) {
    const row = store
      .prepare('SELECT count(*) AS n, sum(card_ts IS NOT NULL) AS carded FROM incidents')
      .get() as { n: number; carded: number };
    const stored = (store.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n;
    if (!first20Ms && row.carded >= 20) first20Ms = performance.now() - started;
    if (row.n === GROUPS && row.carded === GROUPS && stored === NOTIFICATIONS * PER_NOTIFICATION) {
      settledMs = performance.now() - started;
      break;
    }
    if (performance.now() - started > 240_000) throw new Error('storm did not settle in 4 minutes');
    await sleep(20);
  }
  const channels = [...slack.state.channels.values()].filter((c) =>
    c.name.startsWith('inc-'),
  ).length;
  store.close();
  await bot.stop();
  printTable(
    'Storm: 10 000 alerts, 50 groups, 200 notifications from 10 senders',
    [
      'server',
      'all accepted (ms)',
      'alerts/s accepted',
      'first 20 carded (ms)',
      'all 50 carded (ms, Tier 2 paced)',
      'channels',
      'ratio (accept time)',
    ],
    [
      [
        'bare baseline',
        round(baseMs),
        round((NOTIFICATIONS * PER_NOTIFICATION * 1000) / baseMs),
        '-',
        '-',
        '-',
        '1.00',
      ],
      [
        'firebreak',
        round(acceptMs),
        round((NOTIFICATIONS * PER_NOTIFICATION * 1000) / acceptMs),
        round(first20Ms),
        round(settledMs),
        channels,
        (acceptMs / baseMs).toFixed(2),
      ],
    ],
  );
} finally {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
}
