import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { findFollowup } from '../../src/store/followups.js';
import { findIncident } from '../../src/store/incidents.js';
import { openDb } from '../../src/store/sqlite.js';
import { startSlackEmulator } from '../emulators/slack.js';
import { startGithubIssues } from '../emulators/trackers/github-issues.js';
import { eventually, INGEST_TOKEN, SIGNING_SECRET } from '../support/app.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';
import { sendSlashCommand, slashCommandFields } from '../support/slack-requests.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-kill-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'ghp_kill_test_token_0123456789';

test('kill -9 while GitHub is creating the issue: after the restart the export finishes with that one issue', async () => {
  const slack = await startSlackEmulator();
  const github = await startGithubIssues({ token: TOKEN, repos: ['acme/payments'] });
  writeFileSync(
    join(dir, 'firebreak.yaml'),
    `followups:
  tracker: { kind: github, repo: acme/payments, token: ${TOKEN}, apiUrl: ${github.url}, timeout: 10s }
`,
  );
  const env = botEnv(slack.apiUrl, dir, 'firebreak.yaml');
  let proc: BotProcess = await startBotProcess(env, await freePort());
  try {
    const alert = await fetch(`${proc.base}/webhooks/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify({ dedupeKey: 'k', title: 'Checkout down', service: 'checkout' }),
    });
    expect(alert.status).toBe(202);
    const channel = await eventually(() => slack.channelByName('inc-1-checkout-down'));

    // GitHub makes the issue at once but answers 5 s later; the bot is killed in between.
    github.slowAfterCreateMs = 5000;
    const sent = await sendSlashCommand(
      proc.base,
      SIGNING_SECRET,
      slashCommandFields({
        text: 'followup Make checkout restart-safe',
        user_id: 'U0ALICE001',
        channel_id: channel.id,
        response_url: slack.responseUrl('fu'),
      }),
    );
    expect(sent.status).toBe(200);
    await eventually(() => github.issues.length === 1);
    await proc.kill9();

    proc = await startBotProcess(env, await freePort());
    const { store, close } = openDb(env.DATABASE_PATH, { migrate: false });
    try {
      const row = await eventually(async () => {
        const r = await store.read((tx) => findFollowup(tx, 1));
        return r?.exportState === 'exported' ? r : undefined;
      }, 20_000);
      expect(row.trackerKey).toBe('acme/payments#1');
      const incident = await store.read((tx) => findIncident(tx, 1));
      expect(incident?.channelId).toBe(channel.id);
    } finally {
      close();
    }
    expect(github.issues).toHaveLength(1);
    expect(
      github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues')),
    ).toHaveLength(1);
    await eventually(() =>
      slack
        .messages(channel.id)
        .find((m) => String(m.text).includes('https://github.com/acme/payments/issues/1')),
    );
  } finally {
    await proc.terminate();
    await github.close();
    await slack.close();
  }
}, 60_000);
