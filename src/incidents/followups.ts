import { incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import {
  type Followup,
  type FollowupState,
  findFollowup,
  followupsOf,
  insertFollowup,
  setFollowupState,
} from '../store/followups.js';
import { getIncident } from '../store/incidents.js';
import type { Db } from '../store/sqlite.js';
import { record } from '../timeline/timeline.js';
import type { Actor } from './events.js';

export type { Followup, FollowupState };

export const FOLLOWUP_TEXT_MAX = 1000;

export interface FollowupDeps {
  db: Db;
  now: () => Date;
}

/** Work to do after an incident (open → done or won't do), listed in the postmortem. */
export function createFollowups({ db, now }: FollowupDeps) {
  function find(id: number): Followup | undefined {
    return findFollowup(db, id);
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
      const row = insertFollowup(tx, {
        incidentId,
        text,
        ownerId: input.ownerId,
        createdBy: actor.id,
        createdAt: at,
        updatedAt: at,
      });
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
      const row = findFollowup(tx, id);
      if (!row) throw new AppError('not_found', `There is no follow-up #${id}.`);
      if (incidentId && row.incidentId !== incidentId) {
        throw new AppError(
          'invalid',
          `Follow-up #${id} belongs to ${incidentRef(row.incidentId)}, not ${incidentRef(incidentId)}.`,
        );
      }
      if (row.state === state) return row;
      const updated = setFollowupState(tx, id, state, at);
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
    return followupsOf(db, incidentId);
  }

  return { add, setState, listFor, find };
}

export type Followups = ReturnType<typeof createFollowups>;
