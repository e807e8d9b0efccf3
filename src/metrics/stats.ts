import {
  type DeployScope,
  loadDoraFacts,
  loadIncidentFacts,
  type Window,
} from '../store/metrics.js';
import type { Tx } from '../store/unit-of-work.js';
import { type DoraStats, doraStats } from './dora.js';
import { type IncidentStats, incidentStats } from './incidents.js';

const DAY = 24 * 60 * 60_000;
export const MAX_DAYS = 365;

export const lastDays = (now: Date, days: number): Window => ({
  since: new Date(now.getTime() - days * DAY),
  until: now,
});

/** MTTA/MTTR per severity over the last `days` days. */
export const incidentStatsFor = async (tx: Tx, now: Date, days: number): Promise<IncidentStats> => {
  const window = lastDays(now, days);
  return incidentStats(await loadIncidentFacts(tx, window), window);
};

/** The DORA keys of one service (or all) in one environment over the last `days` days. */
export const doraStatsFor = async (
  tx: Tx,
  now: Date,
  days: number,
  scope: DeployScope,
): Promise<DoraStats> => {
  const window = lastDays(now, days);
  return doraStats(await loadDoraFacts(tx, window, scope), window);
};
