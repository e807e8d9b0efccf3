import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { type TimelineRow, timelineEvents } from './schema.js';
import type { DbOrTx } from './sqlite.js';

// Reads of the timeline that the services and the API need besides the full chain
// (src/timeline/timeline.ts writes, lists and verifies it).

export type { TimelineRow };

/** The newest event of one kind in a stream (`streamOf(incidentId)`), if there is one. */
export function latestEventOfKind(
  db: DbOrTx,
  stream: string,
  kind: string,
): Pick<TimelineRow, 'at' | 'payload'> | undefined {
  return db
    .select({ at: timelineEvents.at, payload: timelineEvents.payload })
    .from(timelineEvents)
    .where(and(eq(timelineEvents.stream, stream), eq(timelineEvents.kind, kind)))
    .orderBy(desc(timelineEvents.seq))
    .limit(1)
    .get();
}

/** Up to `limit` events of a stream after sequence number `after`, in order. */
export function eventsAfter(
  db: DbOrTx,
  stream: string,
  after: number,
  limit: number,
): TimelineRow[] {
  return db
    .select()
    .from(timelineEvents)
    .where(and(eq(timelineEvents.stream, stream), gt(timelineEvents.seq, after)))
    .orderBy(asc(timelineEvents.seq))
    .limit(limit)
    .all();
}
