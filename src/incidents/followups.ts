import { asc, eq } from 'drizzle-orm';
import { AppError } from '../errors.js';
import { getIncident } from '../store/incidents.js';
import { type FOLLOWUP_STATES, type FollowupRow, followups } from '../store/schema.js';
import type { Db } from '../store/sqlite.js';
import { record } from '../timeline/timeline.js';
import type { Actor } from './events.js';
import { incidentRef } from './incident.js';

export type FollowupState = (typeof FOLLOWUP_STATES)[number];
export type Followup = FollowupRow;

export const FOLLOWUP_TEXT_MAX = 1000;

export interface FollowupDeps {
  db: Db;
  now: () => Date;
}

/** Work to do after an incident (open → done or won't do), listed in the postmortem. */
export function createFollowups({ db, now }: FollowupDeps) {
  function find(id: number): Followup | undefined {
    return db.select().from(followups).where(eq(followups.id, id)).get();
  }

  function add(
    incidentId: number,
    input: { text: string; ownerId: string | null },
    actor: Actor,
  ): Followup {
    const text = input.text.replace(/\s+/g, ' ').trim();
    if (!text) throw new AppError('invalid', 'A follow-up needs a description.');
    if (text.length > FOLLOWUP_TEXT_MAX) {
      throw new AppError(
        'invalid',
        `The follow-up is ${text.length} characters; keep it under ${FOLLOWUP_TEXT_MAX}.`,
      );
    }
    const at = now();
    return db.transaction((tx) => {
      getIncident(tx, incidentId);
      const row = tx
        .insert(followups)
        .values({
          incidentId,
          text,
          ownerId: input.ownerId,
          createdBy: actor.id,
          createdAt: at,
          updatedAt: at,
        })
        .returning()
        .get();
      record(
        tx,
        {
          incidentId,
          kind: 'followup_added',
          at,
          actor: actor.id,
          source: actor.source,
          payload: { followupId: row.id, text, ownerId: input.ownerId },
        },
        at,
      );
      return row;
    });
  }

  /**
   * Moves a follow-up to `state`. `incidentId`, when given, is the incident the person is
   * looking at: a follow-up of another incident is refused rather than changed by mistake.
   */
  function setState(
    id: number,
    state: FollowupState,
    actor: Actor,
    incidentId?: number | null,
  ): Followup {
    const at = now();
    return db.transaction((tx) => {
      const row = tx.select().from(followups).where(eq(followups.id, id)).get();
      if (!row) throw new AppError('not_found', `There is no follow-up #${id}.`);
      if (incidentId && row.incidentId !== incidentId) {
        throw new AppError(
          'invalid',
          `Follow-up #${id} belongs to ${incidentRef(row.incidentId)}, not ${incidentRef(incidentId)}.`,
        );
      }
      if (row.state === state) return row;
      const updated = tx
        .update(followups)
        .set({ state, updatedAt: at })
        .where(eq(followups.id, id))
        .returning()
        .get();
      record(
        tx,
        {
          incidentId: row.incidentId,
          kind: 'followup_changed',
          at,
          actor: actor.id,
          source: actor.source,
          payload: { followupId: id, from: row.state, to: state },
        },
        at,
      );
      return updated;
    });
  }

  function listFor(incidentId: number): Followup[] {
    return db
      .select()
      .from(followups)
      .where(eq(followups.incidentId, incidentId))
      .orderBy(asc(followups.id))
      .all();
  }

  return { add, setState, listFor, find };
}

export type Followups = ReturnType<typeof createFollowups>;
