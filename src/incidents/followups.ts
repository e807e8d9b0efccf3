import { incidentRef } from '../domain/incident.js';
import { AppError } from '../errors.js';
import {
  type Followup,
  type FollowupState,
  findFollowup,
  followupsOf,
  insertFollowup,
} from '../store/followups.js';
import { getIncident } from '../store/incidents.js';
import type { Store } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import type { Actor } from './events.js';
import { requestExport, type TrackerChoice } from './followup-export.js';
import { changeFollowupState } from './followup-state.js';

export type { Followup, FollowupState };

export const FOLLOWUP_TEXT_MAX = 1000;

export interface FollowupDeps {
  store: Store;
  now: () => Date;
  /** Where new follow-ups are exported as issues (config `followups.tracker`); none: kept here. */
  trackerFor?: TrackerChoice;
  /** Wake the outbox worker after a commit that queued an export. */
  kick?: () => void;
}

/** Work to do after an incident (open → done or won't do), listed in the postmortem. */
export function createFollowups({ store, now, trackerFor, kick }: FollowupDeps) {
  async function find(id: number): Promise<Followup | undefined> {
    return await store.read((tx) => findFollowup(tx, id));
  }

  async function add(
    incidentId: number,
    input: { text: string; ownerId: string | null },
    actor: Actor,
  ): Promise<Followup> {
    const text = input.text.replace(/\s+/g, ' ').trim();
    if (!text) throw new AppError('invalid', 'A follow-up needs a description.');
    if (text.length > FOLLOWUP_TEXT_MAX) {
      throw new AppError(
        'invalid',
        `The follow-up is ${text.length} characters; keep it under ${FOLLOWUP_TEXT_MAX}.`,
      );
    }
    const at = now();
    const added = await store.tx(async (tx) => {
      const incident = await getIncident(tx, incidentId);
      const row = await insertFollowup(tx, {
        incidentId,
        text,
        ownerId: input.ownerId,
        createdBy: actor.id,
        createdAt: at,
        updatedAt: at,
      });
      await record(
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
      const tracker = trackerFor?.(incident.services) ?? null;
      return tracker ? await requestExport(tx, row, tracker, actor, at) : row;
    });
    if (added.exportState === 'pending') kick?.();
    return added;
  }

  /**
   * Moves a follow-up to `state`. `incidentId`, when given, is the incident the person is
   * looking at: a follow-up of another incident is refused rather than changed by mistake.
   */
  async function setState(
    id: number,
    state: FollowupState,
    actor: Actor,
    incidentId?: number | null,
  ): Promise<Followup> {
    const at = now();
    return await store.tx(async (tx) => {
      const row = await findFollowup(tx, id);
      if (!row) throw new AppError('not_found', `There is no follow-up #${id}.`);
      if (incidentId && row.incidentId !== incidentId) {
        throw new AppError(
          'invalid',
          `Follow-up #${id} belongs to ${incidentRef(row.incidentId)}, not ${incidentRef(incidentId)}.`,
        );
      }
      if (row.state === state) return row;
      return await changeFollowupState(tx, row, state, actor, at);
    });
  }

  async function listFor(incidentId: number): Promise<Followup[]> {
    return await store.read((tx) => followupsOf(tx, incidentId));
  }

  return { add, setState, listFor, find };
}

export type Followups = ReturnType<typeof createFollowups>;
