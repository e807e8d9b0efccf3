// Answered first, applied after: how fast the bot acknowledges, and how long until everything it
// acknowledged is applied (the inbox empty), for the 10 000-alert storm and for 8 s of one alert
// per request over 32 connections. The storm is compared with the bare baseline of the same run.
//   npm run build && node --import tsx bench/backlog.ts        (ROUNDS=3)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSlackEmulator } from '../test/emulators/slack.js';
import { freePort, round, sleep, startChild } from './lib.js';
import { alertLoad, BENCH_TOKEN, sendStorm, startBot } from './loads.js';

const dir = mkdtempSync(join(tmpdir(), 'backlog-'));
const slack = await startSlackEmulator();
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };

/**
 * Waits until the bot's inbox has nothing pending; returns when, from `t0`, and how long each
 * delivery waited between its 202 and being applied (p50 / p99 / max, ms).
 */
async function appliedAfter(dbPath: string, t0: number) {
  const db = new Database(dbPath, { readonly: true });
  const pending = db.prepare("SELECT count(*) AS n FROM inbox WHERE status = 'pending'");
  while ((pending.get() as { n: number }).n > 0) await sleep(10);
  const after = performance.now() - t0;
  const lags = (
    db.prepare('SELECT processed_at - received_at AS lag FROM inbox ORDER BY lag').all() as {
      lag: number;
    }[]
  ).map((r) => r.lag);
  db.close();
  const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
  return { after, lag: `${at(0.5)} / ${at(0.99)} / ${lags.at(-1) ?? 0} ms` };
}

for (let i = 0; i < Number(process.env.ROUNDS ?? 3); i++) {
  const base = await startChild(
    ['bench/baseline-server.mjs'],
    { DATABASE_PATH: join(dir, `b${i}.db`) },
    await freePort(),
  );
  const baseMs = await sendStorm(`${base.base}/alerts`, {});
  await base.stop();
  const storm = await startBot(mkdtempSync(join(dir, 's-')), slack.apiUrl);
  let t0 = performance.now();
  const ms = await sendStorm(`${storm.base}/webhooks/alertmanager`, auth);
  const stormApplied = await appliedAfter(storm.dbPath, t0);
  await storm.stop();

  const ingest = await startBot(mkdtempSync(join(dir, 'i-')), slack.apiUrl);
  t0 = performance.now();
  const load = await alertLoad(`${ingest.base}/webhooks/alerts`, auth, {
    connections: 32,
    seconds: 8,
  });
  const loadMs = performance.now() - t0;
  const ingestApplied = await appliedAfter(ingest.dbPath, t0);
  await ingest.stop();
  console.log(
    `storm: baseline ${round(baseMs)} ms, bot ${round(ms)} ms (${(ms / baseMs).toFixed(2)}×), all applied after ${round(stormApplied.after)} ms, wait p50/p99/max ${stormApplied.lag}\n` +
      `ingest: ${round(load.rps)}/s for ${round(loadMs)} ms, all applied ${round(ingestApplied.after - loadMs)} ms after the load ended, wait p50/p99/max ${ingestApplied.lag}`,
  );
}
await slack.close();
