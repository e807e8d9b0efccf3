import { afterEach, expect, test } from 'vitest';
import { list, record, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';
import { coreServices } from '../support/incidents.js';
import { recordNotesAndAudit } from '../support/timeline.js';

const T0 = new Date('2026-11-22T10:00:00Z');
let opened: ReturnType<typeof testDb> | undefined;
afterEach(() => opened?.close());

async function setup() {
  opened = testDb();
  const { store } = opened;
  const { incidents } = coreServices(store, { now: T0 });
  const { id } = await incidents.declare(
    { title: 't', severity: 'sev2' },
    { id: 'U1', source: 'slack' },
  );
  await recordNotesAndAudit(store, id, T0);
  return { ...opened, id };
}

test('events are numbered per incident and chained by hash', async () => {
  const { store, id } = await setup();
  const events = await store.read((tx) => list(tx, id));
  // The declaration's own entries come first; the notes follow them without a gap.
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const notes = events.filter((e) => e.kind === 'note');
  expect(notes.map((e) => e.payload)).toEqual([0, 1, 2, 3, 4].map((i) => ({ text: `note ${i}` })));
  expect(events.at(-1)?.kind).toBe('note');
  expect(await store.read((tx) => verify(tx))).toEqual({
    streams: 2,
    events: events.length + 1,
    problems: [],
  });
});

test('the same dedupe key is recorded once', async () => {
  const { store, id } = await setup();
  const input = {
    incidentId: id,
    kind: 'pinned' as const,
    at: T0,
    actor: 'U1',
    source: 'slack',
    dedupeKey: 'pin:C1:1.2',
  };
  expect(await store.tx((tx) => record(tx, input, T0))).not.toBeNull();
  expect(await store.tx((tx) => record(tx, input, T0))).toBeNull();
  expect((await store.read((tx) => list(tx, id))).filter((e) => e.kind === 'pinned')).toHaveLength(
    1,
  );
});
