import type { Catalog } from '../../catalog.js';
import { AppError } from '../../errors.js';
import { doraStatsFor, incidentStatsFor, MAX_DAYS } from '../../metrics/stats.js';
import type { Store } from '../../store/unit-of-work.js';
import { doraStatsText, incidentStatsText } from '../blocks/stats.js';
import type { SubcommandTable } from './types.js';

export interface StatsCommandDeps {
  store: Store;
  now: () => Date;
  catalog: Catalog;
  /** The environment DORA is measured in (incidents.defaultEnvironment, usually production). */
  environment: string;
}

const DEFAULT_DAYS = 30;

/** `30`, `30d` → 30; anything else is not a number of days. */
export function parseDays(word: string): number | null {
  const match = /^(\d{1,4})d?$/i.exec(word);
  if (!match) return null;
  const days = Number(match[1]);
  if (days < 1 || days > MAX_DAYS) {
    throw new AppError('invalid', `Pick between 1 and ${MAX_DAYS} days.`);
  }
  return days;
}

/** `/incident stats [days]`: MTTA and MTTR per severity, only to the person who asked. */
export const incidentStatsSubcommands = ({ store, now }: StatsCommandDeps): SubcommandTable => ({
  stats: {
    usage: 'stats [days] — MTTA and MTTR per severity (default 30 days)',
    async run({ args, respond }) {
      const days = args ? parseDays(args) : DEFAULT_DAYS;
      if (days === null)
        throw new AppError(
          'invalid',
          'Usage: `/incident stats [days]`, e.g. `/incident stats 90`.',
        );
      await respond({
        response_type: 'ephemeral',
        text: incidentStatsText(await store.read((tx) => incidentStatsFor(tx, now(), days)), days),
      });
    },
  },
});

/** `/deploy stats [service] [days]`: the four DORA keys, only to the person who asked. */
export const deployStatsSubcommands = (deps: StatsCommandDeps): SubcommandTable => ({
  stats: {
    usage:
      'stats [service] [days] — deployment frequency, lead time, change failure rate, recovery time',
    async run({ args, respond }) {
      let service: string | undefined;
      let days = DEFAULT_DAYS;
      for (const word of args.split(/\s+/).filter(Boolean)) {
        const asDays = parseDays(word);
        if (asDays !== null) days = asDays;
        else if (!service) service = deps.catalog.resolve(word).service;
        else throw new AppError('invalid', 'Usage: `/deploy stats [service] [days]`.');
      }
      const stats = await deps.store.read((tx) =>
        doraStatsFor(tx, deps.now(), days, {
          environment: deps.environment,
          service,
        }),
      );
      await respond({
        response_type: 'ephemeral',
        text: doraStatsText(stats, { service, environment: deps.environment, days }),
      });
    },
  },
});
