import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { findIncident } from '../../src/store/incidents.js';
import { openDb } from '../../src/store/sqlite.js';
import { list } from '../../src/timeline/timeline.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { eventually, INGEST_TOKEN } from '../support/app.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-kill-escalation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUNS = 3;
const OWNER = 'U0OWNER001';
// One service per run, so each alert opens its own incident; the tier is due 2 s after opening
// and the escalation sweep ticks every 5 s, so a kill lands before, during or after a call-out.
const config = `
services:
${Array.from({ length: RUNS }, (_, run) => `  svc${run}: { owners: [${OWNER}] }\n`).join('')}
escalation:
  tiers:
    sev1:
      - { after: 2s, notify: [owners] }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`kill -9 with a tier due (${RUNS} runs): after the restart it is called out exactly once`, async () => {
  writeFileSync(join(dir, 'firebreak.yaml'), config);
  const slack = await startSlackEmulator();
  slack.addUser({ id: OWNER, name: 'owner' });
  const env = botEnv(slack.apiUrl, dir, 'firebreak.yaml');
  let proc: BotProcess = await startBotProcess(env, await freePort());
  const dmsAbout = (ref: string) => {
    const dm = slack.channelByName(`dm-${OWNER.toLowerCase()}`);
    return dm ? slack.messages(dm.id).filter((m) => m.text.includes(`*${ref}*`)) : [];
  };
  const outcomes: string[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const id = run + 1;
      const res = await fetch(`${proc.base}/webhooks/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
        body: JSON.stringify({
          dedupeKey: `svc${run}-down`,
          title: `svc${run} is down`,
          severity: 'critical',
          service: `svc${run}`,
        }),
      });
      expect(res.status).toBe(202);
      const channel = await eventually(
        () => [...slack.state.channels.values()].find((c) => c.name.endsWith(`-svc${run}-is-down`)),
        15_000,
      );
      const killAfter = 1000 + Math.random() * 6000;
      await sleep(killAfter);
      const before = dmsAbout(`INC-${id}`).length;
      await proc.kill9();
      proc = await startBotProcess(env, await freePort());
      const callouts = () =>
        slack.messages(channel.id).filter((m) => m.text.includes(`*Escalation 1 of 1:* INC-${id}`));
      await eventually(() => callouts().length > 0 && dmsAbout(`INC-${id}`).length > 0, 20_000);
      // Two more sweep ticks: nothing is called out again.
      await sleep(11_000);
      expect(callouts()).toHaveLength(1);
      expect(dmsAbout(`INC-${id}`)).toHaveLength(1);
      const { store, close } = openDb(env.DATABASE_PATH, { migrate: false });
      try {
        const entries = await store.read((tx) => list(tx, id));
        expect(entries.filter((e) => e.kind === 'escalation_called')).toHaveLength(1);
        expect((await store.read((tx) => findIncident(tx, id)))?.acknowledgedAt).toBeNull();
      } finally {
        close();
      }
      outcomes.push(
        `INC-${id}: killed ${Math.round(killAfter)} ms after its channel, ${before ? 'after' : 'before'} the DM`,
      );
    }
  } finally {
    await proc.terminate();
    await slack.close();
  }
  console.log(`kill -9 around escalations: ${outcomes.join('; ')}`);
}, 180_000);
