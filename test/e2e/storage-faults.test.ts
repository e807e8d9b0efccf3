import { afterEach, expect, test } from 'vitest';
import { listAlerts } from '../../src/store/alerts.js';
import { openDb } from '../../src/store/sqlite.js';
import { startTestApp, type TestApp } from '../support/app.js';

let bot: TestApp | undefined;
afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const alert = (key: string) => ({ dedupeKey: key, group: 'g', title: 'Disk pressure' });

test('the database locked by another process → 503 with Retry-After, nothing half-stored; the retry is accepted', async () => {
  bot = await startTestApp({ app: { dbBusyTimeoutMs: 100 } });
  const other = openDb(bot.dbPath, { migrate: false });
  other.sqlite.exec('BEGIN IMMEDIATE'); // an operator's sqlite3, a backup: holds the write lock
  try {
    const res = await bot.post('/webhooks/alerts', alert('locked'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/nothing was stored/) });
    expect((await bot.get('/healthz')).status).toBe(200);
  } finally {
    other.sqlite.exec('ROLLBACK');
    other.close();
  }
  expect((await bot.post('/webhooks/alerts', alert('locked'))).status).toBe(202);
  await bot.settle();
  expect((await bot.app.store.read((tx) => listAlerts(tx))).map((a) => a.dedupeKey)).toEqual([
    'locked',
  ]);
});

test('a full disk → 503 with Retry-After, not a lost alert; accepted again once there is room', async () => {
  bot = await startTestApp();
  expect((await bot.post('/webhooks/alerts', alert('before'))).status).toBe(202);
  await bot.settle();
  // SQLite's own limit on the file size produces the same SQLITE_FULL a full disk does.
  const pages = (bot.app.sqlite.pragma('page_count', { simple: true }) as number) + 0;
  bot.app.sqlite.pragma(`max_page_count = ${pages}`);
  const big = { ...alert('during'), description: 'x'.repeat(9_000) };
  const res = await bot.post('/webhooks/alerts', big);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  bot.app.sqlite.pragma('max_page_count = 1073741823');
  expect((await bot.post('/webhooks/alerts', big)).status).toBe(202);
  await bot.settle();
  expect((await bot.app.store.read((tx) => listAlerts(tx))).map((a) => a.dedupeKey).sort()).toEqual(
    ['before', 'during'],
  );
});
