import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startSlackEmulator } from '../emulators/slack.js';
import { INGEST_TOKEN } from '../support/app.js';
import { freePort } from '../support/net.js';
import { botEnv, startBotProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-idle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('1,100 idle sockets (bot limited to 1,024 open files) do not stop /healthz or a webhook', async () => {
  const slack = await startSlackEmulator();
  const bot = await startBotProcess(botEnv(slack.apiUrl, dir), await freePort(), {
    maxOpenFiles: 1024,
  });
  const sockets: Socket[] = [];
  try {
    const { hostname, port } = new URL(bot.base);
    await Promise.all(
      Array.from(
        { length: 1100 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect({ host: hostname, port: Number(port) });
            sockets.push(socket);
            socket.on('error', () => resolve());
            socket.on('close', () => resolve());
            socket.on('connect', () => resolve());
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const health = await fetch(`${bot.base}/healthz`, { signal: AbortSignal.timeout(3000) });
    expect(health.status).toBe(200);
    const webhook = await fetch(`${bot.base}/webhooks/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dedupeKey: 'idle', title: 't', service: 's', severity: 'critical' }),
      signal: AbortSignal.timeout(3000),
    });
    expect(webhook.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(bot.child.exitCode).toBeNull();
  } finally {
    for (const s of sockets) s.destroy();
    await bot.kill9();
    await slack.close();
  }
}, 60_000);
