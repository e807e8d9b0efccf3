import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import {
  BackendError,
  call,
  jsonText,
  MAX_ANSWER_BYTES,
  retryAfterMs,
} from '../../src/deploy/backends/http.js';
import { jiraTracker } from '../../src/trackers/jira.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A loopback server answering every request with `status`, `body` and `headers`. */
async function answering(status: number, body: string | Buffer, headers = {}): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('an answer bigger than the limit is refused as a backend error, not buffered whole', async () => {
  const url = await answering(200, Buffer.alloc(MAX_ANSWER_BYTES + 1, 0x20));
  const error = await call(url, { method: 'GET', timeoutMs: 10_000 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackendError);
  expect((error as Error).message).toMatch(/answered with more than 4194304 bytes/);
  const small = await answering(200, '{"ok":true}');
  expect((await call(small, { method: 'GET', timeoutMs: 10_000 })).json).toEqual({ ok: true });
});

test('Retry-After is kept between 1 s and an hour; a broken one waits a minute', () => {
  const after = (value: string) => retryAfterMs(new Headers({ 'retry-after': value }));
  expect(after('30')).toBe(30_000);
  expect(after('999999999')).toBe(60 * 60_000);
  expect(after('1e300')).toBe(60 * 60_000);
  expect(after('0.01')).toBe(1000);
  expect(after('soon')).toBe(60_000);
  expect(retryAfterMs(new Headers())).toBe(60_000);
});

test('values from a JSON answer become text whatever they are', () => {
  expect(jsonText('plain')).toBe('plain');
  expect(jsonText({ toString: 1 })).toBe('{"toString":1}');
  expect(jsonText(null)).toBe('null');
});

test('a Jira 400 whose messages are objects is still a clear refusal', async () => {
  const url = await answering(
    400,
    JSON.stringify({ errorMessages: [{ toString: 1 }], errors: { summary: { toString: 1 } } }),
  );
  const jira = jiraTracker({
    url,
    email: 'a@acme.example',
    token: 't',
    project: 'OPS',
    issueType: 'Task',
    labels: [],
    timeoutMs: 5000,
  });
  const error = await jira
    .createOnce({
      title: 'x',
      summary: 'x',
      details: [],
      marker: 'firebreak-followup-1-x',
      since: new Date(),
    })
    .catch((e: unknown) => e);
  expect((error as Error).name).toBe('TrackerRefused');
  expect((error as Error).message).toContain('{"toString":1}');
});
