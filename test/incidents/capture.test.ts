import { afterEach, expect, test } from 'vitest';
import {
  type CapturedMessage,
  createTimelineCapture,
  tsToDate,
} from '../../src/incidents/capture.js';
import { chatLane } from '../../src/incidents/effects.js';
import { findChatRef } from '../../src/store/chat-refs.js';
import { pendingInLane } from '../../src/store/outbox.js';
import { list, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';
import { coreServices } from '../support/incidents.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

const ana = { id: 'U0ANA0001', source: 'slack' };
const bob = { id: 'U0BOB0001', source: 'slack' };

async function setup() {
  const opened = testDb();
  close = opened.close;
  const clock = { now: new Date('2026-11-22T10:30:00Z') };
  const { incidents } = coreServices(opened.store, clock);
  const incident = await incidents.declare({ title: 'Checkout 500s', severity: 'sev2' }, ana);
  let kicks = 0;
  const capture = createTimelineCapture({
    store: opened.store,
    now: () => clock.now,
    kick: () => kicks++,
  });
  return { ...opened, incident, capture, kicks: () => kicks };
}

const message: CapturedMessage = {
  channelId: 'C0INC0001',
  ts: '1763805600.000200', // 2025-11-22T10:00:00Z, before it was pinned
  threadTs: null,
  text: 'DB connections maxed at 500 ```SELECT 1```',
  authorId: bob.id,
  permalink: 'https://x.slack.com/archives/C0INC0001/p1763805600000200',
  files: [{ name: 'graph.png', url: 'https://files.slack.com/graph.png' }],
};

test('a pinned message lands at its original time with author, permalink and files, and is confirmed in its thread', async () => {
  const { store, incident, capture } = await setup();
  const entry = await capture.pin(incident.id, message, ana, 'reaction');
  expect(entry).toMatchObject({ kind: 'pinned', actor: ana.id, source: 'slack' });
  expect(entry?.at.toISOString()).toBe('2025-11-22T10:00:00.000Z');
  expect(entry?.recordedAt.toISOString()).toBe('2026-11-22T10:30:00.000Z');
  expect(entry?.payload).toMatchObject({
    text: message.text,
    authorId: bob.id,
    permalink: message.permalink,
    files: message.files,
    via: 'reaction',
  });
  const confirmation = (await store.read((tx) => pendingInLane(tx, chatLane(incident.id)))).find(
    (o) => o.kind === 'chat.message' && JSON.stringify(o.payload).includes('timeline_pinned'),
  );
  expect(confirmation?.payload).toMatchObject({
    to: { kind: 'thread', key: 'msg:C0INC0001:1763805600.000200' },
  });
  expect(await store.read((tx) => findChatRef(tx, 'msg:C0INC0001:1763805600.000200'))).toEqual({
    channelId: 'C0INC0001',
    ts: message.ts,
  });
});

test('pinning twice (two reactions, the shortcut after a reaction) makes one entry', async () => {
  const { store, incident, capture, kicks } = await setup();
  expect(await capture.pin(incident.id, message, ana, 'reaction')).not.toBeNull();
  expect(await capture.pin(incident.id, message, bob, 'reaction')).toBeNull();
  expect(await capture.pin(incident.id, message, bob, 'shortcut')).toBeNull();
  expect(
    (await store.read((tx) => list(tx, incident.id))).filter((e) => e.kind === 'pinned'),
  ).toHaveLength(1);
  expect(kicks()).toBe(1);
});

test('withdrawing records an event (nothing is deleted); pinning again afterwards is a new entry', async () => {
  const { store, incident, capture } = await setup();
  const first = await capture.pin(incident.id, message, ana, 'reaction');
  expect(await capture.withdraw(incident.id, message.channelId, message.ts, ana)).toBe(true);
  expect(await capture.withdraw(incident.id, message.channelId, message.ts, ana)).toBe(false);
  const second = await capture.pin(incident.id, message, bob, 'reaction');
  expect(second?.seq).toBeGreaterThan(first?.seq ?? 0);
  const kinds = (await store.read((tx) => list(tx, incident.id))).map((e) => e.kind);
  expect(kinds.filter((k) => k === 'pinned')).toHaveLength(2);
  expect(kinds.filter((k) => k === 'pin_withdrawn')).toHaveLength(1);
  const withdrawn = (await store.read((tx) => list(tx, incident.id))).find(
    (e) => e.kind === 'pin_withdrawn',
  );
  expect(withdrawn?.payload).toMatchObject({ pinSeq: first?.seq });
  expect((await store.read((tx) => verify(tx))).problems).toEqual([]);
});

test('withdrawing a message that was never pinned changes nothing', async () => {
  const { store, incident, capture } = await setup();
  const before = (await store.read((tx) => list(tx, incident.id))).length;
  expect(await capture.withdraw(incident.id, 'C0INC0001', '1763805600.000999', ana)).toBe(false);
  expect(await store.read((tx) => list(tx, incident.id))).toHaveLength(before);
});

test('Slack timestamps convert to the millisecond they name', () => {
  expect(tsToDate('1763805600.000200').toISOString()).toBe('2025-11-22T10:00:00.000Z');
  expect(tsToDate('1763805600.123456').toISOString()).toBe('2025-11-22T10:00:00.123Z');
  expect(tsToDate('1763805600').toISOString()).toBe('2025-11-22T10:00:00.000Z');
});
