import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { allRollbacks } from '../../src/store/rollbacks.js';
import { openDb } from '../../src/store/sqlite.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { eventually, INGEST_TOKEN, type TestApp } from '../support/app.js';
import { buttons, click, postDeploy } from '../support/deploys.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-kill-rollback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUNS = 5;
const DEPLOYER = 'U0DEPLOYER';
const FAKE_DEPLOYER = join(import.meta.dirname, '../support/bin/fake-deployer.mjs');
const record = (run: number) => join(dir, `svc${run}.calls`);
const calls = (run: number) =>
  existsSync(record(run))
    ? readFileSync(record(run), 'utf8').trim().split('\n').filter(Boolean)
    : [];

// Five services, each rolled back by a real executable that records every run and takes 800 ms.
const config = `
permissions:
  deployers: [${DEPLOYER}]
services:
${Array.from(
  { length: RUNS },
  (_, run) => `  svc${run}:
    environments:
      production:
        rollback:
          backend: command
          argv: ["${FAKE_DEPLOYER}", "--record", "${record(run)}", "--sleep", "800", "--", "rollout", "undo", "deployment/{{service}}", "--to-revision={{revision}}"]
`,
).join('')}`;

test(`kill -9 at random points around a rollback (${RUNS} runs), then the same button again: never run twice, always a clear outcome`, async () => {
  writeFileSync(join(dir, 'firebreak.yaml'), config);
  const slack = await startSlackEmulator();
  const env = botEnv(slack.apiUrl, dir, 'firebreak.yaml');
  let proc: BotProcess = await startBotProcess(env, await freePort());
  // The deploy test helpers only need these three things of a running bot.
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
      await postDeploy(bot, {
        id: `${service}-1`,
        service,
        version: 'v1',
        minutesAgo: 60,
        rollback: { revision: 1 },
      });
      await postDeploy(bot, {
        id: `${service}-2`,
        service,
        version: 'v2',
        minutesAgo: 5,
        rollback: { revision: 2 },
      });
      await bot.post('/webhooks/alerts', {
        dedupeKey: `${service}-5xx`,
        title: `Errors on ${service}`,
        service,
      });
      const channel = await eventually(() =>
        [...slack.state.channels.values()].find((c) => c.name.endsWith(`-errors-on-${service}`)),
      );
      const card = await eventually(() => {
        const pinned = slack.pinnedMessages(channel.id)[0];
        return pinned && buttons(pinned.blocks).some((b) => b.action_id === 'deploy_rollback')
          ? pinned
          : undefined;
      });
      const button = buttons(card.blocks).find((b) => b.action_id === 'deploy_rollback');
      if (!button) throw new Error('no Roll back button');
      const clicked = await click(bot, {
        user: DEPLOYER,
        channel: channel.id,
        button,
        responseId: `r${run}`,
        messageTs: card.ts,
      });
      expect(clicked.status).toBe(200);
      await new Promise((r) => setTimeout(r, Math.random() * 1500));
      await proc.kill9();
      // Click the same (now stale) button again after the restart, as an impatient person would:
      // it must not start a second run of a rollback that may already have run.
      proc = await startBotProcess(env, await freePort());
      await click(asBot(proc), {
        user: DEPLOYER,
        channel: channel.id,
        button,
        responseId: `r${run}b`,
        messageTs: card.ts,
      });
      const { store, close } = openDb(env.DATABASE_PATH, { migrate: false });
      try {
        const finished = await eventually(async () => {
          const rows = (await store.read((tx) => allRollbacks(tx))).filter(
            (r) => r.service === service,
          );
          return rows.length > 0 &&
            rows.every((r) => r.status === 'succeeded' || r.status === 'failed')
            ? rows
            : undefined;
        }, 20_000);
        const succeeded = finished.filter((r) => r.status === 'succeeded');
        // Never two runs of the deployer for one click; never two successful rollbacks.
        expect(calls(run).length).toBeLessThanOrEqual(1);
        expect(succeeded.length).toBeLessThanOrEqual(1);
        if (succeeded.length === 1) expect(calls(run)).toHaveLength(1);
        for (const failed of finished.filter((r) => r.status === 'failed'))
          expect(failed.error).toBeTruthy();
        outcomes.push(
          `${service}: ${finished.map((r) => r.status).join('+')} (${calls(run).length} run)`,
        );
      } finally {
        close();
      }
    }
  } finally {
    await proc.terminate();
    await slack.close();
  }
  console.log(`kill -9 around rollbacks: ${outcomes.join('; ')}`);
}, 180_000);
