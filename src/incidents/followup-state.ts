import { type Followup, type FollowupState, setFollowupState } from '../store/followups.js';
import type { Tx } from '../store/unit-of-work.js';
import { record } from '../timeline/timeline.js';
import type { Actor } from './events.js';

/**
 * Moves a follow-up to `state` inside the caller's unit of work, with its timeline entry: the
 * one way its state changes, whether by a button, a command or its tracker (`extra` says which
 * issue).
 */
export async function changeFollowupState(
  tx: Tx,
  row: Followup,
  state: FollowupState,
  actor: Actor,
  at: Date,
  extra: Record<string, unknown> = {},
): Promise<Followup> {
  const updated = await setFollowupState(tx, row.id, state, at);
  await record(
    tx,
    {
      incidentId: row.incidentId,
      kind: 'followup_changed',
      at,
      actor: actor.id,
      source: actor.source,
      payload: { followupId: row.id, from: row.state, to: state, ...extra },
    },
    at,
  );
  return updated;
}
