import { type AlertGroup, alertGroupsOf } from '../store/alerts.js';
import type { Tx } from '../store/unit-of-work.js';

/**
 * The alert storm incident. Past `incidents.maxNewPerMinute` incidents opened by alerts in the
 * last minute, a new alert group does not open an incident of its own: it is gathered into this
 * one (its alerts keep their own group key, so the card can list the groups). Alerts of a gathered
 * group keep going to it while it is open, so one group still means one incident.
 */
export const STORM_GROUP_KEY = 'firebreak:alert-storm';

export const STORM_WINDOW_MS = 60_000;

export const stormTitle = (maxNewPerMinute: number) =>
  `Alert storm: more than ${maxNewPerMinute} new alert groups a minute`;

export const stormDescription = (maxNewPerMinute: number) =>
  `More than ${maxNewPerMinute} incidents were opened by alerts within a minute, so new alert ` +
  'groups are gathered here instead of opening a channel each. Every alert is kept. New groups ' +
  'open incidents of their own again once the rate falls.';

export type StormGroup = AlertGroup;

/** The groups gathered into a storm incident, oldest first: the first `limit`, and how many in all. */
export const stormGroups = async (
  tx: Tx,
  incidentId: number,
  limit: number,
): Promise<{ groups: StormGroup[]; total: number }> => await alertGroupsOf(tx, incidentId, limit);
