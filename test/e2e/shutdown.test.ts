import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { listAlerts } from '../../src/store/alerts.js';
import { listInboxDeliveries } from '../../src/store/inbox.js';
import { openDb } from '../../src/store/sqlite.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { eventually, INGEST_TOKEN } from '../support/app.js';
import { freePort } from '../support/net.js';
import { botEnv, startBotProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-sigterm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('SIGTERM in the middle of a load: in-flight requests finish, the rest are refused, nothing accepted is lost', async () => {
  const slack = await startSlackEmulator();
  const env = botEnv(slack.apiUrl, dir);
  const bot = await startBotProcess(env, await freePort());
  const accepted = new Set<string>();
  const outcomes = new Map<number | string, number>();
  let stop = false;
  let n = 0;
  const senders = Array.from({ length: 8 }, async () => {
    while (!stop) {
      const key = `k${n++}`;
      try {
        const res = await fetch(`${bot.base}/webhooks/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
          body: JSON.stringify({ dedupeKey: key, group: `g${n % 5}`, title: `Load ${n % 5}` }),
        });
        outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
        if (res.status === 202) accepted.add(key);
      } catch {
        outcomes.set('refused', (outcomes.get('refused') ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  });
  await new Promise((r) => setTimeout(r, 700));
  const code = await bot.terminate();
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await Promise.all(senders);
  expect(code).toBe(0);
  expect(accepted.size).toBeGreaterThan(0);
  // Nothing but 202, a 503 "shutting down, retry", or a refused connection.
  expect([...outcomes.keys()].every((k) => k === 202 || k === 503 || k === 'refused')).toBe(true);

  // Every acknowledged alert is in the database; the ones not yet made into incidents are
  // kept in the inbox and finished by the next start.
  const { store, close } = openDb(env.DATABASE_PATH);
  const stored = async () =>
    new Set((await store.read((tx) => listAlerts(tx))).map((a) => a.dedupeKey));
  const pendingAtStop = (await store.read((tx) => listInboxDeliveries(tx))).filter(
    (r) => r.status === 'pending',
  ).length;
  const again = await startBotProcess(env, await freePort());
  await eventually(() => [...accepted].every(async (key) => (await stored()).has(key)), 15_000);
  await again.terminate();
  close();
  await slack.close();
  console.log(
    `SIGTERM under load: ${accepted.size} accepted, ${pendingAtStop} still in the inbox at stop, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
  );
}, 60_000);
