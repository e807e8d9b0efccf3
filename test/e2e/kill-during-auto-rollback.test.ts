import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { allAutoRollbacks } from '../../src/store/auto-rollbacks.js';
import { allRollbacks } from '../../src/store/rollbacks.js';
import { openDb } from '../../src/store/sqlite.js';
import { startRollbackReceiver } from '../emulators/deploy/rollback-receiver.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { eventually, INGEST_TOKEN, type TestApp } from '../support/app.js';
import { buttons, postDeploy } from '../support/deploys.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';

// The automatic rollback's deadline is a row and a sweep (every second, in the real process):
// kill -9 the bot during the veto, or around the deadline, restart it, and the rollback runs
// exactly once.

const dir = mkdtempSync(join(tmpdir(), 'firebreak-kill-autorollback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'receiver-secret-0123456789';
const RUNS = 3;
const VETO_MS = 3000;

test(`kill -9 during the veto or around its deadline (${RUNS} runs), restart: exactly one rollback each`, async () => {
  const receiver = await startRollbackReceiver(SECRET);
  writeFileSync(
    join(dir, 'firebreak.yaml'),
    `deploys:
  autoRollback: { mode: on, veto: ${VETO_MS / 1000}s }
services:
${Array.from(
  { length: RUNS },
  (_, run) => `  svc${run}:
    environments:
      production:
        rollback: { backend: webhook, url: "${receiver.url}/rollback", secret: "${SECRET}" }
`,
).join('')}`,
  );
  const slack = await startSlackEmulator();
  const env = botEnv(slack.apiUrl, dir, 'firebreak.yaml');
  let proc: BotProcess = await startBotProcess(env, await freePort());
  const asBot = (p: BotProcess) =>
    ({
      base: p.base,
      slack,
      post: (path: string, body: unknown) =>
        fetch(`${p.base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
          body: JSON.stringify(body),
        }),
    }) as unknown as TestApp;
  const outcomes: string[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const bot = asBot(proc);
      const service = `svc${run}`;
      await postDeploy(bot, { id: `${service}-1`, service, version: 'v1', minutesAgo: 60 });
      await postDeploy(bot, { id: `${service}-2`, service, version: 'v2', minutesAgo: 5 });
      await bot.post('/webhooks/alerts', {
        dedupeKey: `${service}-5xx`,
        title: `Errors on ${service}`,
        service,
        severity: 'critical',
      });
      const channel = await eventually(() =>
        [...slack.state.channels.values()].find((c) => c.name.endsWith(`-errors-on-${service}`)),
      );
      await eventually(() =>
        slack.messages(channel.id).some((m) => buttons(m.blocks).some((b) => b.text === 'Cancel')),
      );
      // Run 0: at once, well inside the veto. The others: anywhere up to a second past it.
      const wait = run === 0 ? 0 : Math.random() * (VETO_MS + 1000);
      await new Promise((r) => setTimeout(r, wait));
      await proc.kill9();
      proc = await startBotProcess(env, await freePort());

      const key = (k: string) => k.includes(`:${service}:`);
      await eventually(
        () => receiver.rollbacks.filter((r) => key(r.idempotencyKey)).length === 1,
        20_000,
      );
      // A few more sweeps: nothing more happens.
      await new Promise((r) => setTimeout(r, 1500));
      const { store, close } = openDb(env.DATABASE_PATH, { migrate: false });
      try {
        const rollbacks = (await store.read((tx) => allRollbacks(tx))).filter(
          (r) => r.service === service,
        );
        const autos = (await store.read((tx) => allAutoRollbacks(tx))).filter(
          (a) => a.service === service,
        );
        expect(rollbacks).toHaveLength(1);
        expect(rollbacks[0]?.requestedBy).toBe('firebreak');
        expect(autos.map((a) => [a.decision, a.status, a.rollbackId])).toEqual([
          ['scheduled', 'executed', rollbacks[0]?.id],
        ]);
        expect(receiver.rollbacks.filter((r) => key(r.idempotencyKey))).toHaveLength(1);
        outcomes.push(`${service}: killed ${Math.round(wait)} ms after the countdown, 1 rollback`);
      } finally {
        close();
      }
    }
  } finally {
    await proc.terminate();
    await slack.close();
    await receiver.close();
  }
  console.log(`kill -9 around automatic rollbacks: ${outcomes.join('; ')}`);
}, 180_000);
