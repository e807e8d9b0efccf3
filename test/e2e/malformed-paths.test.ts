import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../emulators/slack.js';
import { API_TOKEN, INGEST_TOKEN } from '../support/app.js';
import { freePort } from '../support/net.js';
import { type BotProcess, botEnv, startBotProcess } from '../support/process.js';
import { rawRequest, requestBytes } from '../support/raw-http.js';

// The real bot as its own process: a throw outside every catch would end it, not just fail a test.
const dir = mkdtempSync(join(tmpdir(), 'firebreak-paths-'));
let slack: SlackEmulator;
let bot: BotProcess;
beforeAll(async () => {
  slack = await startSlackEmulator();
  bot = await startBotProcess({ ...botEnv(slack.apiUrl, dir), API_TOKEN }, await freePort());
}, 30_000);
afterAll(async () => {
  await bot?.kill9();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const MALFORMED: [string, string][] = [
  ['GET', '/api/v1/incidents/%E0'],
  ['GET', '/api/v1/incidents/%'],
  ['GET', '/api/v1/incidents/%C0%AF/postmortem'],
  ['GET', '/api/v1/incidents/%ZZ/timeline'],
  ['POST', '/webhooks/rollbacks/%ZZ'],
  ['POST', '/webhooks/rollbacks/%E0%80'],
];

test.each(MALFORMED)(
  '%s %s: a malformed escape is a 400 with a JSON error, and the bot keeps serving',
  async (method, path) => {
    const res = await rawRequest(
      bot.base,
      requestBytes(method, path, {
        authorization: `Bearer ${method === 'GET' ? API_TOKEN : INGEST_TOKEN}`,
        'content-type': 'application/json',
      }),
    );
    expect(res.status, res.error ?? res.text).toBe(400);
    expect(res.text).toMatch(/"error":"malformed path/);
    expect(bot.child.exitCode).toBeNull();
    expect((await fetch(`${bot.base}/healthz`)).status).toBe(200);
  },
);

test('paths the URL parser would misread are routed as sent, never as another host or route', async () => {
  for (const path of ['//evil.example/api/v1/incidents', '/./healthz/..', '*', 'http:/x']) {
    const res = await rawRequest(bot.base, requestBytes('GET', path));
    expect([400, 404]).toContain(res.status);
  }
  expect((await fetch(`${bot.base}/healthz`)).status).toBe(200);
  expect(bot.output()).not.toMatch(/URIError|uncaught/i);
});
