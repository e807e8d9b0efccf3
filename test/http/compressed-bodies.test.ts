import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { INGEST_TOKEN, SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { signSlackRequest } from '../support/slack-requests.js';

let bot: TestApp;
beforeAll(async () => {
  bot = await startTestApp();
});
afterAll(async () => bot.stop());

const alert = JSON.stringify({
  dedupeKey: 'gz-1',
  title: 'checkout 5xx',
  service: 'checkout',
  severity: 'critical',
});

const post = (path: string, body: Buffer | string, encoding: string) =>
  fetch(`${bot.base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${INGEST_TOKEN}`,
      'content-type': 'application/json',
      'content-encoding': encoding,
    },
    body,
  });

test.each([
  ['gzip', gzipSync],
  ['x-gzip', gzipSync],
  ['deflate', deflateSync],
  ['br', brotliCompressSync],
  ['GZIP ', gzipSync],
  ['identity', (b: Buffer) => b],
])('a %s body is decoded and accepted', async (encoding, compress) => {
  const res = await post('/webhooks/alerts', compress(Buffer.from(alert)), encoding);
  expect(res.status, await res.clone().text()).toBe(202);
  expect(await res.json()).toMatchObject({ accepted: 1 });
});

test('a gzip bomb (64 MiB of zeros in 64 KiB) is a 413, counted after decoding, and cheap to refuse', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
  expect(bomb.length).toBeLessThan(1024 * 1024);
  const started = Date.now();
  const res = await post('/webhooks/deploys', bomb, 'gzip');
  expect(res.status).toBe(413);
  expect(((await res.json()) as { error: string }).error).toMatch(
    /larger than 1048576 bytes once decompressed/,
  );
  expect(Date.now() - started).toBeLessThan(2000);
  expect((await bot.get('/healthz')).status).toBe(200);
});

test('an unknown or stacked encoding is a 415 naming what is accepted, not "malformed JSON"', async () => {
  for (const encoding of ['zstd', 'compress', 'gzip, gzip', 'x-made-up']) {
    const res = await post('/webhooks/alerts', alert, encoding);
    expect(res.status, encoding).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    expect(((await res.json()) as { error: string }).error).toMatch(/unsupported Content-Encoding/);
  }
});

test('a corrupt or truncated gzip body is a 400 that says so, not "malformed JSON"', async () => {
  const good = gzipSync(Buffer.from(alert));
  for (const body of [Buffer.from('not gzip at all'), good.subarray(0, good.length - 10)]) {
    const res = await post('/webhooks/alerts', body, 'gzip');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^body is not valid gzip/);
  }
});

test('Slack never compresses: a compressed /slack/events body is a 415', async () => {
  const body = JSON.stringify({ type: 'url_verification', challenge: 'c' });
  const res = await fetch(`${bot.base}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      ...signSlackRequest(SIGNING_SECRET, body),
    },
    body: gzipSync(Buffer.from(body)),
  });
  expect(res.status).toBe(415);
});
