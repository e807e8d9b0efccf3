import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { TimelineEntry, TimelineKind } from '../domain/timeline.js';
import { type TimelineRow, timelineEvents, timelineHeads } from './schema.js';
import { prepared, type Tx } from './sqlite.js';

// The reads and writes of the append-only, hash-chained timeline. What goes into a row and its
// hash is decided in src/timeline/timeline.ts; the database refuses edits (migration triggers).

export type { TimelineRow };

/** A row as it is chained: everything the hash covers, and the hash itself. */
export type ChainedEvent = Omit<TimelineRow, 'id'>;

const queries = (tx: Tx) =>
  prepared(tx, 'timeline', (d) => ({
    seen: d
      .select({ id: timelineEvents.id })
      .from(timelineEvents)
      .where(
        and(
          eq(timelineEvents.stream, sql.placeholder('stream')),
          eq(timelineEvents.dedupeKey, sql.placeholder('dedupeKey')),
        ),
      )
      .prepare(),
    head: d
      .select({ seq: timelineHeads.seq, hash: timelineHeads.hash })
      .from(timelineHeads)
      .where(eq(timelineHeads.stream, sql.placeholder('stream')))
      .prepare(),
    insert: d
      .insert(timelineEvents)
      .values({
        stream: sql.placeholder('stream'),
        incidentId: sql.placeholder('incidentId'),
        seq: sql.placeholder('seq'),
        at: sql.placeholder('at'),
        recordedAt: sql.placeholder('recordedAt'),
        kind: sql.placeholder('kind'),
        actor: sql.placeholder('actor'),
        source: sql.placeholder('source'),
        payload: sql.placeholder('payload'),
        dedupeKey: sql.placeholder('dedupeKey'),
        prevHash: sql.placeholder('prevHash'),
        hash: sql.placeholder('hash'),
      })
      .returning({ id: timelineEvents.id })
      .prepare(),
    moveHead: d
      .insert(timelineHeads)
      .values({
        stream: sql.placeholder('stream'),
        seq: sql.placeholder('seq'),
        hash: sql.placeholder('hash'),
      })
      .onConflictDoUpdate({
        target: timelineHeads.stream,
        set: { seq: sql`excluded.seq`, hash: sql`excluded.hash` },
      })
      .prepare(),
  }));

/** True when this stream already holds an entry with this dedupeKey. */
export async function isRecorded(tx: Tx, stream: string, dedupeKey: string): Promise<boolean> {
  return queries(tx).seen.get({ stream, dedupeKey }) !== undefined;
}

/** The stream's last link: its seq and hash (undefined for a stream not started yet). */
export async function streamHead(
  tx: Tx,
  stream: string,
): Promise<{ seq: number; hash: string } | undefined> {
  return queries(tx).head.get({ stream });
}

/** Appends a chained row and moves its stream's head to it; returns the row's id. */
export async function appendEvent(tx: Tx, event: ChainedEvent): Promise<number> {
  const q = queries(tx);
  const { id } = q.insert.get(event) as { id: number };
  q.moveHead.run({ stream: event.stream, seq: event.seq, hash: event.hash });
  return id;
}

function toEntry(row: TimelineRow): TimelineEntry {
  return {
    id: row.id,
    incidentId: row.incidentId,
    seq: row.seq,
    at: row.at,
    recordedAt: row.recordedAt,
    kind: row.kind as TimelineKind,
    actor: row.actor,
    source: row.source,
    payload: row.payload,
  };
}

/** A stream's entries in the order they were recorded. */
export async function entriesOf(tx: Tx, stream: string): Promise<TimelineEntry[]> {
  return tx
    .select()
    .from(timelineEvents)
    .where(eq(timelineEvents.stream, stream))
    .orderBy(asc(timelineEvents.seq))
    .all()
    .map(toEntry);
}

/** The pins and withdrawals of one captured message in a stream, in recorded order. */
export async function pinEventsOf(
  tx: Tx,
  stream: string,
  messageKey: string,
): Promise<{ kind: string; seq: number }[]> {
  return tx
    .select({ kind: timelineEvents.kind, seq: timelineEvents.seq })
    .from(timelineEvents)
    .where(
      and(
        eq(timelineEvents.stream, stream),
        inArray(timelineEvents.kind, ['pinned', 'pin_withdrawn']),
        sql`json_extract(${timelineEvents.payload}, '$.messageKey') = ${messageKey}`,
      ),
    )
    .orderBy(timelineEvents.seq)
    .all();
}

interface RawEvent {
  stream: string;
  incident_id: number | null;
  seq: number;
  at: number;
  recorded_at: number;
  kind: string;
  actor: string;
  source: string;
  payload: string;
  dedupe_key: string | null;
  prev_hash: string;
  hash: string;
}

function fromRaw(raw: RawEvent): ChainedEvent {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(raw.payload) as Record<string, unknown>;
  } catch {
    payload = { unparseable: raw.payload };
  }
  return {
    stream: raw.stream,
    incidentId: raw.incident_id,
    seq: raw.seq,
    at: new Date(raw.at),
    recordedAt: new Date(raw.recorded_at),
    kind: raw.kind,
    actor: raw.actor,
    source: raw.source,
    payload,
    dedupeKey: raw.dedupe_key,
    prevHash: raw.prev_hash,
    hash: raw.hash,
  };
}

/**
 * Every row of every stream, in (stream, seq) order, read lazily so memory stays flat however
 * long the record is. A payload that is not JSON any more (edited by hand) comes back as
 * `{ unparseable }`, so its hash no longer matches instead of the read failing.
 */
export async function* chainedEvents(tx: Tx): AsyncGenerator<ChainedEvent> {
  const rows = tx.$client
    .prepare('SELECT * FROM timeline_events ORDER BY stream, seq')
    .iterate() as IterableIterator<RawEvent>;
  for (const raw of rows) yield fromRaw(raw);
}

/** Where each stream's head says the stream ends. */
export async function streamHeads(
  tx: Tx,
): Promise<{ stream: string; seq: number; hash: string }[]> {
  return tx.select().from(timelineHeads).all();
}
