import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { listAlerts } from '../../src/store/alerts.js';
import { countPendingInbox } from '../../src/store/inbox.js';
import { listIncidentRows } from '../../src/store/incidents.js';
import { openDb } from '../../src/store/sqlite.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { eventually, INGEST_TOKEN } from '../support/app.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GROUPS = 20;
const RUNS = 5;

test(`kill -9 at random points during a storm (${RUNS} runs): no accepted alert lost, no channel doubled`, async () => {
  const slack = await startSlackEmulator();
  // Slack answers slowly, so kills land while channel creation and card posts are in flight.
  slack.setDelay('conversations.create', 150);
  slack.setDelay('chat.postMessage', 50);
  // The 20 groups arrive at once: lift the cap on new incidents (meant for floods of distinct
  // groups) so each group gets its own incident, as this test checks.
  writeFileSync(join(dir, 'storm.yaml'), 'incidents:\n  maxNewPerMinute: 100\n');
  const env = botEnv(slack.apiUrl, dir, 'storm.yaml');
  const accepted = new Set<string>();
  let seq = 0;
  let proc: BotProcess | undefined;
  try {
    for (let run = 0; run < RUNS; run++) {
      proc = await startBotProcess(env, await freePort());
      const bot = proc;
      let stop = false;
      const senders = Array.from({ length: 6 }, async () => {
        while (!stop) {
          const n = seq++;
          const keys = Array.from({ length: 10 }, (_, i) => `r${run}-n${n}-a${i}`);
          try {
            const res = await fetch(`${bot.base}/webhooks/alerts`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${INGEST_TOKEN}`,
              },
              body: JSON.stringify({
                alerts: keys.map((key) => ({
                  dedupeKey: key,
                  group: `g${n % GROUPS}`,
                  title: `Storm group ${n % GROUPS}`,
                })),
              }),
            });
            if (res.status === 202) for (const key of keys) accepted.add(key);
          } catch {
            // the process died mid-request: this delivery was not acknowledged
          }
        }
      });
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      await bot.kill9();
      stop = true;
      await Promise.all(senders);
    }
    // A last, peaceful start: everything accepted is finished.
    proc = await startBotProcess(env, await freePort());
    slack.setDelay('conversations.create', 0);
    slack.setDelay('chat.postMessage', 0);
    const { store, close } = openDb(env.DATABASE_PATH);
    try {
      // Finished: every accepted delivery applied (a storm is answered first and applied
      // after, so the inbox may hold many at a kill), every incident with its channel and card.
      const incidentRows = await eventually(async () => {
        if ((await store.read((tx) => countPendingInbox(tx))) > 0) return undefined;
        const rows = await store.read((tx) => listIncidentRows(tx));
        return rows.length > 0 && rows.every((r) => r.channelId && r.cardTs) ? rows : undefined;
      }, 30_000);
      expect(accepted.size).toBeGreaterThan(0);
      const stored = new Set((await store.read((tx) => listAlerts(tx))).map((a) => a.dedupeKey));
      const lost = [...accepted].filter((key) => !stored.has(key));
      expect(lost).toEqual([]);
      expect(incidentRows).toHaveLength(GROUPS);
      const channels = [...slack.state.channels.values()].filter((c) => c.name.startsWith('inc-'));
      expect(channels).toHaveLength(GROUPS);
      expect(new Set(incidentRows.map((r) => r.channelId)).size).toBe(GROUPS);
      for (const row of incidentRows) {
        const cards = slack
          .messages(row.channelId ?? '')
          .filter((m) => JSON.stringify(m.blocks).includes('card_header'));
        expect(cards).toHaveLength(1);
      }
      console.log(
        `kill -9 × ${RUNS}: ${accepted.size} alerts acknowledged, all stored; ${channels.length} channels for ${incidentRows.length} incidents`,
      );
    } finally {
      close();
    }
  } finally {
    await proc?.terminate();
    await slack.close();
  }
}, 120_000);
