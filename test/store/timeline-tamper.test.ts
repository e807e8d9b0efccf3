import { afterEach, expect, test } from 'vitest';
import { incidents } from '../../src/store/schema.js';
import { verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';
import { recordNotesAndAudit } from '../support/timeline.js';

// The timeline refuses edits in the database (triggers), and `verify` finds the edits made
// behind the triggers' back: this test reaches into the rows on purpose.

const T0 = new Date('2026-11-22T10:00:00Z');
let opened: ReturnType<typeof testDb> | undefined;
afterEach(() => opened?.close());

async function setup() {
  opened = testDb();
  const { store } = opened;
  const id = await store.tx(
    async (tx) =>
      tx
        .insert(incidents)
        .values({
          title: 't',
          severity: 'sev2',
          state: 'investigating',
          environment: 'production',
          source: 'declared',
          declaredAt: T0,
          createdAt: T0,
          updatedAt: T0,
        })
        .returning({ id: incidents.id })
        .get().id,
  );
  await recordNotesAndAudit(store, id, T0);
  return { ...opened, id };
}

test('the database refuses to edit or delete an event', async () => {
  const { sqlite } = await setup();
  expect(() => sqlite.prepare("UPDATE timeline_events SET actor = 'U9'").run()).toThrow(
    /append-only/,
  );
  expect(() => sqlite.prepare('DELETE FROM timeline_events').run()).toThrow(/append-only/);
});

test('an edited row is detected even when the triggers are dropped', async () => {
  const { store, sqlite } = await setup();
  sqlite.exec('DROP TRIGGER timeline_events_no_update');
  sqlite
    .prepare(
      `UPDATE timeline_events SET payload = '{"text":"forged"}' WHERE seq = 3 AND stream = 'incident:1'`,
    )
    .run();
  expect((await store.read((tx) => verify(tx))).problems).toEqual([
    { stream: 'incident:1', seq: 3, problem: 'edited' },
  ]);
});

test('a payload that is no longer JSON reads as edited, not as a crash', async () => {
  const { store, sqlite } = await setup();
  sqlite.exec('DROP TRIGGER timeline_events_no_update');
  sqlite
    .prepare(
      `UPDATE timeline_events SET payload = 'not json' WHERE seq = 2 AND stream = 'incident:1'`,
    )
    .run();
  expect((await store.read((tx) => verify(tx))).problems).toEqual([
    { stream: 'incident:1', seq: 2, problem: 'edited' },
  ]);
});

test('a deleted row, in the middle or at the end, is detected', async () => {
  const { store, sqlite } = await setup();
  sqlite.exec('DROP TRIGGER timeline_events_no_delete');
  sqlite.prepare(`DELETE FROM timeline_events WHERE seq = 2 AND stream = 'incident:1'`).run();
  expect((await store.read((tx) => verify(tx))).problems).toContainEqual({
    stream: 'incident:1',
    seq: 2,
    problem: 'missing',
  });

  const again = await setup();
  again.sqlite.exec('DROP TRIGGER timeline_events_no_delete');
  again.sqlite.prepare(`DELETE FROM timeline_events WHERE seq = 5 AND stream = 'incident:1'`).run();
  expect((await again.store.read((tx) => verify(tx))).problems).toEqual([
    { stream: 'incident:1', seq: 5, problem: 'truncated' },
  ]);
});
