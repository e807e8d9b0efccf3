import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { INGEST_TOKEN, startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp;
beforeAll(async () => {
  bot = await startTestApp();
});
afterAll(async () => bot.stop());

const MiB = 1024 * 1024;

/**
 * Streams `total` bytes to a 1 MiB-limited webhook as fast as the socket takes them, the way a
 * real client uploads, and reports what the client saw: the status, or the socket error.
 */
function upload(total: number, declareLength: boolean): Promise<number | string> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(bot.base);
    const req = request({
      host: hostname,
      port,
      method: 'POST',
      path: '/webhooks/deploys',
      agent: false,
      headers: {
        authorization: `Bearer ${INGEST_TOKEN}`,
        'content-type': 'application/json',
        ...(declareLength ? { 'content-length': String(total) } : {}),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!req.destroyed) req.end();
    };
    write();
  });
}

/**
 * A client that sends its whole request before reading the answer (Python requests, many
 * scripts, curl on a slow link): any reset while it is still sending and it never sees the 413.
 */
function sendThenRead(total: number): Promise<number | string> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(bot.base);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.pause();
    let failed: string | undefined;
    const chunks: Buffer[] = [];
    socket.on('error', (e: NodeJS.ErrnoException) => {
      failed ??= e.code ?? e.message;
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve(failed ?? Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0));
    });
    socket.on('connect', async () => {
      const head = [
        'POST /webhooks/deploys HTTP/1.1',
        'host: 127.0.0.1',
        `authorization: Bearer ${INGEST_TOKEN}`,
        'content-type: application/json',
        `content-length: ${total}`,
        '',
        '',
      ].join('\r\n');
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = (data: Buffer | string) =>
        new Promise<boolean>((done) => socket.write(data, (error) => done(!error)));
      if (!(await write(head))) return;
      for (let sent = 0; sent < total; sent += chunk.length) if (!(await write(chunk))) return;
      // Everything sent: now read the answer.
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.resume();
    });
  });
}

test('a client that sends 6 MiB before reading (limit 1 MiB) reads the 413 every time', async () => {
  const seen: (number | string)[] = [];
  for (let i = 0; i < 20; i++) seen.push(await sendThenRead(6 * MiB));
  expect(seen).toEqual(Array(20).fill(413));
}, 120_000);

test.each([
  ['streamed (chunked)', false],
  ['with Content-Length', true],
])(
  'a body well over the limit, %s: the client reads the 413 every time, never a reset',
  async (_name, declare) => {
    const seen: (number | string)[] = [];
    for (let i = 0; i < 20; i++) seen.push(await upload(6 * MiB, declare));
    expect(seen).toEqual(Array(20).fill(413));
  },
  120_000,
);

test('lingering is bounded: a client that never stops sending is cut off after 16 MiB more, one that trickles after 5 s', async () => {
  const { hostname, port } = new URL(bot.base);
  // Half-open clients: they keep sending (or stay) after the server's FIN, until the server closes.
  const head = [
    'POST /webhooks/deploys HTTP/1.1',
    'host: 127.0.0.1',
    `authorization: Bearer ${INGEST_TOKEN}`,
    `content-length: ${1024 * MiB}`,
    '',
    '',
  ].join('\r\n');
  const endless = await new Promise<{ sent: number; status: string }>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    let sent = 0;
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ sent, status: text.slice(0, 12) }));
    socket.write(head);
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const pump = () => {
      while (!socket.destroyed && sent < 256 * MiB) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
  expect(endless.status).toBe('HTTP/1.1 413');
  expect(endless.sent).toBeLessThan(64 * MiB);

  // A trickle (1 KiB every 200 ms, within the byte bound) is cut off when the time is up.
  const started = Date.now();
  const trickled = await new Promise<string>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(trickle);
      resolve(text.slice(0, 12));
    });
    socket.write(head);
    socket.write(Buffer.alloc(2 * MiB, 0x20));
    const trickle = setInterval(() => socket.write(Buffer.alloc(1024, 0x20)), 200);
  });
  expect(trickled).toBe('HTTP/1.1 413');
  expect(Date.now() - started).toBeGreaterThan(4000);
  expect(Date.now() - started).toBeLessThan(8000);
}, 60_000);
