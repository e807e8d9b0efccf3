import { expect, test } from 'vitest';
import type { DeployFact } from '../../src/domain/facts.js';
import { doraStats } from '../../src/metrics/dora.js';
import { incidentStats } from '../../src/metrics/incidents.js';
import { humanDuration, summarize } from '../../src/metrics/summary.js';

const DAY = 24 * 60 * 60_000;
const MIN = 60_000;
const since = new Date('2026-11-01T00:00:00Z');
const until = new Date('2026-11-29T00:00:00Z'); // 28 days, 4 weeks
const day = (n: number, minutes = 0) => new Date(since.getTime() + n * DAY + minutes * MIN);
const deploy = (id: number, at: Date, extra: Partial<DeployFact> = {}): DeployFact => ({
  id,
  service: 'checkout',
  isRollback: false,
  at,
  commitAt: null,
  ...extra,
});

test('median and mean: the median of an even count is the mean of the two middle values', () => {
  expect(summarize([])).toEqual({ n: 0, median: null, mean: null });
  expect(summarize([5, 1, 3])).toEqual({ n: 3, median: 3, mean: 3 });
  expect(summarize([1, 2, 3, 10])).toEqual({ n: 4, median: 2.5, mean: 4 });
  expect(humanDuration(45_000)).toBe('45 s');
  expect(humanDuration(90 * MIN)).toBe('1 h 30 min');
  expect(humanDuration(50 * 60 * MIN)).toBe('2 d 2 h');
});

test('change failure rate counts DISTINCT failed deploys, and rollbacks are releases but not changes', () => {
  const deploys = [
    deploy(1, day(1)),
    deploy(2, day(2)), // causal for two incidents AND rolled back: still one failure
    deploy(3, day(3)),
    deploy(4, day(3, 30), { isRollback: true }), // the rollback itself
    deploy(5, day(10)),
  ];
  const stats = doraStats(
    {
      deploys,
      causal: [
        { deployId: 2, incidentId: 7, mitigatedAt: day(2, 40), resolvedAt: day(2, 90) },
        { deployId: 2, incidentId: 8, mitigatedAt: null, resolvedAt: day(2, 120) },
      ],
      rollbacks: [
        { fromDeployId: 2, status: 'succeeded', finishedAt: day(2, 25) },
        { fromDeployId: 5, status: 'failed', finishedAt: day(10, 10) }, // a failed rollback rolls nothing back
      ],
    },
    { since, until },
  );
  expect(stats.frequency).toMatchObject({ deploys: 5, rollbacks: 1, deployDays: 4 });
  expect(stats.changeFailure).toEqual({
    changes: 4,
    failed: 1,
    rate: 0.25,
    failedDeployIds: [2],
  });
  // Recovered at the first of: rollback finished (25 min), incident mitigated (40 min)…
  expect(stats.recovery).toEqual({ n: 1, median: 25 * MIN, mean: 25 * MIN });
});

test('a deploy rolled back without any incident is a failure too', () => {
  const stats = doraStats(
    {
      deploys: [deploy(1, day(1)), deploy(2, day(2))],
      causal: [],
      rollbacks: [{ fromDeployId: 1, status: 'succeeded', finishedAt: day(1, 15) }],
    },
    { since, until },
  );
  expect(stats.changeFailure).toMatchObject({ failed: 1, changes: 2, rate: 0.5 });
  expect(stats.recovery.median).toBe(15 * MIN);
});

test('lead time uses the commit time of each change, ignores rollbacks and commits newer than their deploy', () => {
  const stats = doraStats(
    {
      deploys: [
        deploy(1, day(1, 60), { commitAt: day(1) }), // 1 h
        deploy(2, day(2, 180), { commitAt: day(2) }), // 3 h
        deploy(3, day(3), { commitAt: day(3, 10) }), // commit after deploy: bad data, dropped
        deploy(4, day(4)), // unknown commit time
        deploy(5, day(5, 600), { commitAt: day(5), isRollback: true }), // not a change
      ],
      causal: [],
      rollbacks: [],
    },
    { since, until },
  );
  expect(stats.leadTime).toEqual({
    n: 2,
    median: 2 * 60 * MIN,
    mean: 2 * 60 * MIN,
    withCommitTime: 3,
    changes: 4,
  });
});

test('frequency buckets: exactly half of the weeks with a deploy is weekly (no interpolated median)', () => {
  const window = { since, until };
  const none = { causal: [], rollbacks: [] };
  const weekly = doraStats({ ...none, deploys: [deploy(1, day(1)), deploy(2, day(8))] }, window);
  expect(weekly.frequency.bucket).toBe('weekly');
  expect(weekly.frequency.perWeek).toBe(0.5);
  const daily = doraStats(
    { ...none, deploys: [0, 1, 2, 7, 8, 9].map((d) => deploy(d, day(d))) },
    window,
  );
  expect(daily.frequency.bucket).toBe('daily');
  const monthly = doraStats({ ...none, deploys: [deploy(1, day(20))] }, window);
  expect(monthly.frequency.bucket).toBe('monthly');
  const rare = doraStats({ ...none, deploys: [] }, { since: day(-90), until });
  expect(rare.frequency.bucket).toBe('less than monthly');
  expect(rare.changeFailure.rate).toBeNull();
});

test('deploys outside the window are not counted', () => {
  const stats = doraStats(
    {
      deploys: [deploy(1, day(-1)), deploy(2, day(28)), deploy(3, day(5))],
      causal: [],
      rollbacks: [],
    },
    { since, until },
  );
  expect(stats.frequency.deploys).toBe(1);
});

test('MTTA and MTTR per severity, median and mean, over incidents detected in the window', () => {
  const incident = (
    severity: 'sev1' | 'sev2',
    start: number,
    ack: number | null,
    resolved: number | null,
  ) => ({
    severity,
    impactStartedAt: day(3, start - 5),
    detectedAt: day(3, start),
    declaredAt: day(3, start),
    acknowledgedAt: ack === null ? null : day(3, start + ack),
    mitigatedAt: null,
    resolvedAt: resolved === null ? null : day(3, start + resolved),
  });
  const stats = incidentStats(
    [
      incident('sev1', 0, 2, 55), // MTTR from impact start: 60 min
      incident('sev1', 100, 4, 25), // 30 min
      incident('sev1', 200, 12, null), // open
      incident('sev2', 300, null, null),
      { ...incident('sev2', 0, 1, 1), detectedAt: day(-3), declaredAt: day(-3) }, // before the window
    ],
    { since, until },
  );
  expect(stats.rows.map((r) => r.severity)).toEqual(['sev1', 'sev2', 'all']);
  const [sev1, sev2, all] = stats.rows;
  expect(sev1).toMatchObject({
    incidents: 3,
    open: 1,
    mtta: { n: 3, median: 4 * MIN, mean: 6 * MIN },
    mttr: { n: 2, median: 45 * MIN, mean: 45 * MIN },
  });
  expect(sev2).toMatchObject({ incidents: 1, open: 1, mtta: { n: 0 }, mttr: { n: 0 } });
  expect(all?.incidents).toBe(4);
});
