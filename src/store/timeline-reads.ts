import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { type TimelineRow, timelineEvents } from './schema.js';
import type { Tx } from './sqlite.js';

// Reads of the timeline that the services and the API need besides the full chain
// (src/timeline/timeline.ts writes, lists and verifies it).

export type { TimelineRow };

/** The newest event of one kind in a stream (`streamOf(incidentId)`), if there is one. */
export async function latestEventOfKind(
  tx: Tx,
  stream: string,
  kind: string,
): Promise<Pick<TimelineRow, 'at' | 'payload'> | undefined> {
  return tx
    .select({ at: timelineEvents.at, payload: timelineEvents.payload })
    .from(timelineEvents)
    .where(and(eq(timelineEvents.stream, stream), eq(timelineEvents.kind, kind)))
    .orderBy(desc(timelineEvents.seq))
    .limit(1)
    .get();
}

/** Up to `limit` events of a stream after sequence number `after`, in order. */
export async function eventsAfter(
  tx: Tx,
  stream: string,
  after: number,
  limit: number,
): Promise<TimelineRow[]> {
  return tx
    .select()
    .from(timelineEvents)
    .where(and(eq(timelineEvents.stream, stream), gt(timelineEvents.seq, after)))
    .orderBy(asc(timelineEvents.seq))
    .limit(limit)
    .all();
}
