import type { CausalLink, DeployFact, RollbackFact } from '../domain/facts.js';
import { type Summary, summarize } from './summary.js';

export type FrequencyBucket = 'daily' | 'weekly' | 'monthly' | 'less than monthly';

export interface DoraStats {
  since: Date;
  until: Date;
  days: number;
  frequency: {
    /** Every succeeded deploy, rollbacks included (a rollback is a release too). */
    deploys: number;
    rollbacks: number;
    perWeek: number;
    /** Days with at least one deploy. */
    deployDays: number;
    bucket: FrequencyBucket;
  };
  /** Commit → live, over non-rollback deploys whose commit time is known. */
  leadTime: Summary & { withCommitTime: number; changes: number };
  changeFailure: {
    /** Non-rollback deploys: the denominator. */
    changes: number;
    /** Distinct changes confirmed causal for an incident, or rolled back. */
    failed: number;
    rate: number | null;
    failedDeployIds: number[];
  };
  /** Deploy → recovered (successful rollback, or the causal incident mitigated/resolved). */
  recovery: Summary;
}

const DAY = 24 * 60 * 60_000;

/**
 * Frequency bucket in the spirit of DORA, without Four Keys' interpolating median: daily when
 * at least half of the weeks had a deploy on 3+ days, weekly when at least half of the weeks
 * had a deploy, monthly when at least half of the 30-day periods had one.
 */
function bucketOf(deployTimes: readonly number[], since: number, days: number): FrequencyBucket {
  const periods = (length: number) => {
    const count = Math.max(1, Math.ceil(days / length));
    const daysWith = Array.from({ length: count }, () => new Set<number>());
    for (const t of deployTimes) {
      const day = Math.floor((t - since) / DAY);
      daysWith[Math.min(count - 1, Math.floor(day / length))]?.add(day);
    }
    return daysWith.map((s) => s.size);
  };
  const atLeastHalf = (values: number[], min: number) =>
    values.filter((v) => v >= min).length * 2 >= values.length;
  const weeks = periods(7);
  if (atLeastHalf(weeks, 3)) return 'daily';
  if (atLeastHalf(weeks, 1)) return 'weekly';
  if (atLeastHalf(periods(30), 1)) return 'monthly';
  return 'less than monthly';
}

/**
 * The four DORA keys over our own records (reference/deploy-backends.md §(c)), with two
 * deliberate differences from Four Keys: the change failure numerator counts DISTINCT failed
 * deploys (not deploy × change × incident rows, which can exceed 100%), and lead time uses the
 * deployed version's own commit time instead of only the commits of the push that produced it.
 * Rollback deploys count as releases for frequency but are not changes: they are left out of
 * the change failure denominator and of lead time.
 */
export function doraStats(
  input: {
    deploys: readonly DeployFact[];
    causal: readonly CausalLink[];
    rollbacks: readonly RollbackFact[];
  },
  window: { since: Date; until: Date },
): DoraStats {
  const since = window.since.getTime();
  const until = window.until.getTime();
  const days = Math.max(1, Math.round((until - since) / DAY));
  const deploys = input.deploys.filter((d) => d.at.getTime() >= since && d.at.getTime() < until);
  const changes = deploys.filter((d) => !d.isRollback);

  const deployTimes = deploys.map((d) => d.at.getTime());
  const deployDays = new Set(deployTimes.map((t) => Math.floor((t - since) / DAY))).size;

  // Four Keys drops values <= 0 too ("automated pushes"): a commit newer than its deploy is bad data.
  const leads = changes.flatMap((d) =>
    d.commitAt && d.at.getTime() > d.commitAt.getTime()
      ? [d.at.getTime() - d.commitAt.getTime()]
      : [],
  );

  const causalBy = new Map<number, CausalLink[]>();
  for (const link of input.causal) {
    causalBy.set(link.deployId, [...(causalBy.get(link.deployId) ?? []), link]);
  }
  const rolledBackBy = new Map<number, RollbackFact[]>();
  for (const r of input.rollbacks) {
    if (r.status !== 'succeeded') continue;
    rolledBackBy.set(r.fromDeployId, [...(rolledBackBy.get(r.fromDeployId) ?? []), r]);
  }
  const failed = changes.filter((d) => causalBy.has(d.id) || rolledBackBy.has(d.id));

  const recoveries = failed.flatMap((d) => {
    const ends = [
      ...(rolledBackBy.get(d.id) ?? []).map((r) => r.finishedAt),
      ...(causalBy.get(d.id) ?? []).map((l) => l.mitigatedAt ?? l.resolvedAt),
    ]
      .filter((t): t is Date => t !== null && t.getTime() >= d.at.getTime())
      .map((t) => t.getTime());
    return ends.length > 0 ? [Math.min(...ends) - d.at.getTime()] : [];
  });

  return {
    since: window.since,
    until: window.until,
    days,
    frequency: {
      deploys: deploys.length,
      rollbacks: deploys.length - changes.length,
      perWeek: (deploys.length * 7) / days,
      deployDays,
      bucket: bucketOf(deployTimes, since, days),
    },
    leadTime: {
      ...summarize(leads),
      withCommitTime: changes.filter((d) => d.commitAt).length,
      changes: changes.length,
    },
    changeFailure: {
      changes: changes.length,
      failed: failed.length,
      rate: changes.length > 0 ? failed.length / changes.length : null,
      failedDeployIds: failed.map((d) => d.id),
    },
    recovery: summarize(recoveries),
  };
}
