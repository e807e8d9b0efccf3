import { createHash } from 'node:crypto';
import {
  TIMELINE_KINDS,
  type TimelineEntry,
  type TimelineInput,
  type TimelineKind,
} from '../domain/timeline.js';
import {
  appendEvent,
  type ChainedEvent,
  chainedEvents,
  entriesOf,
  isRecorded,
  streamHead,
  streamHeads,
} from '../store/timeline.js';
import type { Tx } from '../store/unit-of-work.js';

export { TIMELINE_KINDS, type TimelineEntry, type TimelineInput, type TimelineKind };

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_STREAM = 'audit';
export const streamOf = (incidentId: number | null): string =>
  incidentId === null ? AUDIT_STREAM : `incident:${incidentId}`;

/** JSON with object keys sorted, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What the hash covers: the whole row but its id and its own hash. */
type Hashed = Omit<ChainedEvent, 'hash'>;

export function eventHash(row: Hashed): string {
  const body = canonicalJson([
    row.stream,
    row.incidentId,
    row.seq,
    row.at.getTime(),
    row.recordedAt.getTime(),
    row.kind,
    row.actor,
    row.source,
    row.payload,
    row.dedupeKey,
    row.prevHash,
  ]);
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Appends one event to its stream's hash chain. Call it inside the transaction that makes the
 * change it describes. Returns null when the dedupeKey was already recorded.
 */
export async function record(
  tx: Tx,
  input: TimelineInput,
  recordedAt: Date,
): Promise<TimelineEntry | null> {
  const stream = streamOf(input.incidentId);
  if (input.dedupeKey && (await isRecorded(tx, stream, input.dedupeKey))) return null;
  const last = await streamHead(tx, stream);
  const row: Hashed = {
    stream,
    incidentId: input.incidentId,
    seq: (last?.seq ?? 0) + 1,
    at: input.at,
    recordedAt,
    kind: input.kind,
    actor: input.actor,
    source: input.source,
    payload: input.payload ?? {},
    dedupeKey: input.dedupeKey ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const hash = eventHash(row);
  const id = await appendEvent(tx, { ...row, hash });
  return {
    id,
    incidentId: row.incidentId,
    seq: row.seq,
    at: row.at,
    recordedAt,
    kind: input.kind,
    actor: row.actor,
    source: row.source,
    payload: row.payload,
  };
}

/** The incident's events in the order they were recorded. */
export async function list(tx: Tx, incidentId: number): Promise<TimelineEntry[]> {
  return await entriesOf(tx, streamOf(incidentId));
}

export interface VerifyProblem {
  stream: string;
  seq: number;
  problem: 'edited' | 'missing' | 'reordered' | 'truncated';
}

/** Re-computes every chain. An edited, deleted or re-ordered row shows up as a problem. */
export async function verify(
  tx: Tx,
): Promise<{ streams: number; events: number; problems: VerifyProblem[] }> {
  const problems: VerifyProblem[] = [];
  let events = 0;
  const streams = new Set<string>();
  let current = '';
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  const lastOf = new Map<string, { seq: number; hash: string }>();
  // Streamed in (stream, seq) order so memory stays flat however long the record is.
  for await (const row of await chainedEvents(tx)) {
    events++;
    if (row.stream !== current) {
      current = row.stream;
      streams.add(current);
      expectedSeq = 1;
      prevHash = GENESIS_HASH;
    }
    if (row.seq !== expectedSeq)
      problems.push({ stream: row.stream, seq: expectedSeq, problem: 'missing' });
    else if (row.prevHash !== prevHash)
      problems.push({ stream: row.stream, seq: row.seq, problem: 'reordered' });
    if (eventHash(row) !== row.hash)
      problems.push({ stream: row.stream, seq: row.seq, problem: 'edited' });
    expectedSeq = row.seq + 1;
    prevHash = row.hash;
    lastOf.set(row.stream, { seq: row.seq, hash: row.hash });
  }
  for (const head of await streamHeads(tx)) {
    const last = lastOf.get(head.stream);
    if (!last || last.seq !== head.seq || last.hash !== head.hash) {
      problems.push({ stream: head.stream, seq: head.seq, problem: 'truncated' });
    }
  }
  return { streams: streams.size, events, problems };
}
