import { afterEach, expect, test } from 'vitest';
import { incidents } from '../../src/store/schema.js';
import { list, record, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';

const T0 = new Date('2026-11-22T10:00:00Z');
let opened: ReturnType<typeof testDb> | undefined;
afterEach(() => opened?.close());

function setup() {
  opened = testDb();
  const { db } = opened;
  const id = db
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
    .get().id;
  for (let i = 0; i < 5; i++) {
    record(
      db,
      {
        incidentId: id,
        kind: 'note',
        at: new Date(T0.getTime() + i * 1000),
        actor: 'U1',
        source: 'slack',
        payload: { text: `note ${i}` },
      },
      T0,
    );
  }
  record(
    db,
    { incidentId: null, kind: 'freeze_created', at: T0, actor: 'U2', source: 'slack', payload: {} },
    T0,
  );
  return { ...opened, id };
}

test('events are numbered per incident and chained by hash', () => {
  const { db, id } = setup();
  const events = list(db, id);
  expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  expect(events[2]?.payload).toEqual({ text: 'note 2' });
  expect(verify(db)).toEqual({ streams: 2, events: 6, problems: [] });
});

test('the same dedupe key is recorded once', () => {
  const { db, id } = setup();
  const input = {
    incidentId: id,
    kind: 'pinned' as const,
    at: T0,
    actor: 'U1',
    source: 'slack',
    dedupeKey: 'pin:C1:1.2',
  };
  expect(record(db, input, T0)).not.toBeNull();
  expect(record(db, input, T0)).toBeNull();
  expect(list(db, id).filter((e) => e.kind === 'pinned')).toHaveLength(1);
});

test('the database refuses to edit or delete an event', () => {
  const { sqlite } = setup();
  expect(() => sqlite.prepare("UPDATE timeline_events SET actor = 'U9'").run()).toThrow(
    /append-only/,
  );
  expect(() => sqlite.prepare('DELETE FROM timeline_events').run()).toThrow(/append-only/);
});

test('an edited row is detected even when the triggers are dropped', () => {
  const { db, sqlite } = setup();
  sqlite.exec('DROP TRIGGER timeline_events_no_update');
  sqlite
    .prepare(
      `UPDATE timeline_events SET payload = '{"text":"forged"}' WHERE seq = 3 AND stream = 'incident:1'`,
    )
    .run();
  expect(verify(db).problems).toEqual([{ stream: 'incident:1', seq: 3, problem: 'edited' }]);
});

test('a deleted row, in the middle or at the end, is detected', () => {
  const { db, sqlite } = setup();
  sqlite.exec('DROP TRIGGER timeline_events_no_delete');
  sqlite.prepare(`DELETE FROM timeline_events WHERE seq = 2 AND stream = 'incident:1'`).run();
  expect(verify(db).problems).toContainEqual({ stream: 'incident:1', seq: 2, problem: 'missing' });

  const again = setup();
  again.sqlite.exec('DROP TRIGGER timeline_events_no_delete');
  again.sqlite.prepare(`DELETE FROM timeline_events WHERE seq = 5 AND stream = 'incident:1'`).run();
  expect(verify(again.db).problems).toEqual([
    { stream: 'incident:1', seq: 5, problem: 'truncated' },
  ]);
});
