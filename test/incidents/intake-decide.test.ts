import { describe, expect, test } from 'vitest';
import { SEVERITIES, type Severity, severityRank } from '../../src/domain/incident.js';
import {
  type AlertFacts,
  type ArrivalState,
  alertFacts,
  decideArrival,
  decideCut,
  decideSettlement,
  decideSighting,
  escalation,
  lastAlertResolved,
  type SeenBefore,
} from '../../src/incidents/intake-decide.js';
import { STORM_GROUP_KEY, stormTitle } from '../../src/incidents/storm.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import type { KnownAlert } from '../../src/store/intake.js';

// Pure: plain values in, a decision out. No database; the shell's own tests (intake.test.ts,
// storm-cap.test.ts) cover reading and applying on real SQLite.

const AT = new Date('2026-11-22T10:00:00Z');
const STARTED = new Date('2026-11-22T09:58:00Z');
const ENDED = new Date('2026-11-22T09:59:30Z');

const alert = (over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
  source: 'alertmanager',
  key: 'fp-1',
  groupKey: 'group-1',
  status: 'firing',
  title: 'High error rate',
  description: null,
  service: 'checkout',
  environment: null,
  severityLabel: 'critical',
  labels: {},
  annotations: {},
  url: null,
  startsAt: STARTED,
  endsAt: null,
  ...over,
});

const row = (over: Partial<KnownAlert> = {}): KnownAlert => ({
  id: 7,
  incidentId: 3,
  status: 'firing',
  title: 'High error rate',
  service: 'checkout',
  startsAt: STARTED,
  ...over,
});

const facts: AlertFacts = { service: 'checkout', environment: 'production', severity: 'sev2' };

describe('alertFacts', () => {
  test.each([
    { environment: null, label: 'critical', want: { environment: 'production', severity: 'sev1' } },
    {
      environment: 'Staging',
      label: 'warning',
      want: { environment: 'staging', severity: 'sev3' },
    },
    { environment: 'prod', label: null, want: { environment: 'prod', severity: 'sev4' } },
    { environment: null, label: 'P2', want: { environment: 'production', severity: 'sev2' } },
  ])('environment $environment, label $label', ({ environment, label, want }) => {
    const got = alertFacts(alert({ environment, severityLabel: label }), 'checkout', {
      defaultEnvironment: 'production',
      severityLabels: undefined,
    });
    expect(got).toEqual({ service: 'checkout', ...want });
  });
});

describe('decideSighting: have we seen this alert before?', () => {
  const cases: {
    name: string;
    seen: SeenBefore;
    alert: NormalizedAlert;
    kind: 'seen' | 'unknown' | 'repeat' | 'new';
    entry?: { kind: string; at: Date; refired: boolean } | null;
    startsAt?: Date | null;
  }[] = [
    {
      name: 'an alert no one has seen opens or joins an incident',
      seen: { open: undefined, latest: undefined },
      alert: alert(),
      kind: 'new',
    },
    {
      name: 'a resolved alert never seen firing has nothing to resolve',
      seen: { open: undefined, latest: undefined },
      alert: alert({ status: 'resolved', endsAt: ENDED }),
      kind: 'unknown',
    },
    {
      name: 'a firing alert an open incident holds, firing again: seen, no change',
      seen: { open: row(), latest: undefined },
      alert: alert(),
      kind: 'seen',
      entry: null,
      startsAt: STARTED,
    },
    {
      name: 'a firing alert resolving: a change, at its end time',
      seen: { open: row(), latest: undefined },
      alert: alert({ status: 'resolved', endsAt: ENDED }),
      kind: 'seen',
      entry: { kind: 'alert_resolved', at: ENDED, refired: false },
      startsAt: STARTED,
    },
    {
      name: 'a resolving alert without an end time resolves now',
      seen: { open: row(), latest: undefined },
      alert: alert({ status: 'resolved', endsAt: null }),
      kind: 'seen',
      entry: { kind: 'alert_resolved', at: AT, refired: false },
      startsAt: STARTED,
    },
    {
      name: 'a resolved alert of an open incident firing again: re-fired, its new start kept',
      seen: { open: row({ status: 'resolved' }), latest: undefined },
      alert: alert({ startsAt: AT }),
      kind: 'seen',
      entry: { kind: 'alert_firing', at: AT, refired: true },
      startsAt: AT,
    },
    {
      name: 'an alert resolving after someone resolved its incident still resolves its row',
      seen: { open: undefined, latest: row() },
      alert: alert({ status: 'resolved', endsAt: ENDED }),
      kind: 'seen',
      entry: { kind: 'alert_resolved', at: ENDED, refired: false },
      startsAt: STARTED,
    },
    {
      name: 'the same firing episode after its incident was resolved: a repeat, no second incident',
      seen: { open: undefined, latest: row() },
      alert: alert(),
      kind: 'repeat',
    },
    {
      name: 'a new firing episode after its incident was resolved: new',
      seen: { open: undefined, latest: row() },
      alert: alert({ startsAt: AT }),
      kind: 'new',
    },
    {
      name: 'firing again after it resolved with its incident: new',
      seen: { open: undefined, latest: row({ status: 'resolved' }) },
      alert: alert(),
      kind: 'new',
    },
  ];
  test.each(cases)('$name', (c) => {
    const got = decideSighting(c.seen, c.alert, AT);
    expect(got.kind).toBe(c.kind);
    if (got.kind === 'repeat') expect(got.alert).toBe(c.seen.latest);
    if (got.kind !== 'seen') return;
    expect(got.update).toEqual({
      status: c.alert.status,
      startsAt: c.startsAt,
      endsAt: c.alert.endsAt,
    });
    if (!c.entry) return expect(got.entry).toBeNull();
    expect(got.entry).toMatchObject({
      kind: c.entry.kind,
      at: c.entry.at,
      actor: 'alertmanager',
      source: 'alertmanager',
      payload: { key: 'fp-1', title: 'High error rate', service: 'checkout' },
    });
    expect(got.entry?.payload?.refired).toBe(c.entry.refired);
  });
});

describe('decideArrival: join vs open, and storm gathering', () => {
  const state = (over: Partial<ArrivalState> = {}): ArrivalState => ({
    home: null,
    openedLastMinute: 0,
    storm: null,
    ownerId: 'U0OWNER01',
    ...over,
  });
  const cases: {
    name: string;
    state: ArrivalState;
    cap: number | undefined;
    want: { kind: 'join'; incidentId: number } | { kind: 'open'; storm: boolean };
  }[] = [
    {
      name: 'an open incident of its group (or service): join it',
      state: state({ home: { id: 5, severity: 'sev2' } }),
      cap: 10,
      want: { kind: 'join', incidentId: 5 },
    },
    {
      name: 'a home is joined even past the cap: gathering is only for new groups',
      state: state({
        home: { id: 5, severity: 'sev2' },
        openedLastMinute: 50,
        storm: { id: 9, severity: 'sev1' },
      }),
      cap: 10,
      want: { kind: 'join', incidentId: 5 },
    },
    {
      name: 'no home: open its own incident',
      state: state(),
      cap: 10,
      want: { kind: 'open', storm: false },
    },
    {
      name: 'no home, one below the cap: still its own incident',
      state: state({ openedLastMinute: 9 }),
      cap: 10,
      want: { kind: 'open', storm: false },
    },
    {
      name: 'no cap configured: never a storm',
      state: state({ openedLastMinute: 10_000 }),
      cap: undefined,
      want: { kind: 'open', storm: false },
    },
    {
      name: 'no home, the cap reached, no storm yet: open the storm incident',
      state: state({ openedLastMinute: 10 }),
      cap: 10,
      want: { kind: 'open', storm: true },
    },
    {
      name: 'no home, the cap reached, a storm open: gather into it',
      state: state({ openedLastMinute: 12, storm: { id: 9, severity: 'sev1' } }),
      cap: 10,
      want: { kind: 'join', incidentId: 9 },
    },
    {
      name: 'a storm open but the rate fell below the cap: a new group opens its own again',
      state: state({ openedLastMinute: 3, storm: { id: 9, severity: 'sev1' } }),
      cap: 10,
      want: { kind: 'open', storm: false },
    },
  ];
  test.each(cases)('$name', (c) => {
    const got = decideArrival(c.state, alert(), facts, { maxNewPerMinute: c.cap }, AT);
    // Wherever it lands, the alert's own row and its firing entry are the same.
    expect(got.alert).toMatchObject({
      source: 'alertmanager',
      dedupeKey: 'fp-1',
      groupKey: 'group-1',
      service: 'checkout',
      environment: 'production',
      severity: 'sev2',
      startsAt: STARTED,
      at: AT,
    });
    expect(got.entry).toMatchObject({ kind: 'alert_firing', at: STARTED, actor: 'alertmanager' });
    if (c.want.kind === 'join') {
      expect(got).toMatchObject({ kind: 'join', incidentId: c.want.incidentId });
      return;
    }
    if (got.kind !== 'open') throw new Error(`expected an opening, got ${got.kind}`);
    const { incident, services, opened } = got.opening;
    expect(incident).toMatchObject({
      severity: 'sev2',
      state: 'triage',
      ownerId: 'U0OWNER01',
      environment: 'production',
      source: 'alert',
      impactStartedAt: STARTED,
      detectedAt: AT,
      declaredAt: AT,
    });
    expect(services).toEqual(['checkout']);
    expect(opened).toMatchObject({ kind: 'incident_opened', actor: 'alertmanager' });
    if (c.want.storm) {
      expect(incident.groupKey).toBe(STORM_GROUP_KEY);
      expect(incident.title).toBe(stormTitle(10));
      expect(got.announce).toEqual({ type: 'alert_storm', maxNewPerMinute: 10 });
    } else {
      expect(incident.groupKey).toBe('group-1');
      expect(incident.title).toBe('High error rate');
      expect(got.announce).toBeNull();
    }
  });

  test('a title longer than 200 characters is cut for the incident, kept for the alert', () => {
    const long = 'x'.repeat(300);
    const got = decideArrival(state(), alert({ title: long }), facts, {}, AT);
    if (got.kind !== 'open') throw new Error('expected an opening');
    expect(got.opening.incident.title).toHaveLength(200);
    expect(got.opening.opened.payload.title).toHaveLength(200);
    expect(got.alert.title).toBe(long);
  });

  test('an alert without a service opens an incident with no services and no owner', () => {
    const got = decideArrival(
      state({ ownerId: null }),
      alert({ service: null }),
      { ...facts, service: null },
      {},
      AT,
    );
    if (got.kind !== 'open') throw new Error('expected an opening');
    expect(got.opening.services).toEqual([]);
    expect(got.opening.incident.ownerId).toBeNull();
  });

  test('joining a less severe incident raises it; the service is linked', () => {
    const got = decideArrival(state({ home: { id: 5, severity: 'sev4' } }), alert(), facts, {}, AT);
    expect(got).toMatchObject({
      kind: 'join',
      service: 'checkout',
      escalation: {
        severity: 'sev2',
        from: 'sev4',
        entry: { kind: 'severity_changed', payload: { from: 'sev4', to: 'sev2' } },
      },
    });
  });
});

describe('escalation never lowers severity', () => {
  const pairs = SEVERITIES.flatMap((current) =>
    SEVERITIES.map((incoming) => ({ current, incoming })),
  );
  test.each(pairs)('incident $current, alert $incoming', ({ current, incoming }) => {
    const got = escalation(current, incoming, alert(), AT);
    if (severityRank(incoming) < severityRank(current)) {
      expect(got).toEqual({
        severity: incoming,
        from: current,
        entry: {
          kind: 'severity_changed',
          at: AT,
          actor: 'alertmanager',
          source: 'alertmanager',
          payload: { from: current, to: incoming, reason: 'alert High error rate' },
        },
      });
    } else {
      expect(got).toBeNull();
    }
  });

  test('an incident whose severity could not be read is left as it is', () => {
    expect(escalation(undefined as Severity | undefined, 'sev1', alert(), AT)).toBeNull();
  });
});

describe('decideCut', () => {
  test.each([
    { last: 0, cut: 0, recorded: false },
    { last: 0, cut: 12, recorded: true },
    { last: 12, cut: 12, recorded: false },
    { last: 12, cut: 3, recorded: true },
    { last: 12, cut: 0, recorded: true },
  ])('last recorded $last, now $cut', ({ last, cut, recorded }) => {
    const got = decideCut(last, cut, 'alertmanager', AT);
    expect(got).toEqual(
      recorded
        ? {
            kind: 'alerts_cut',
            at: AT,
            actor: 'alertmanager',
            source: 'alertmanager',
            payload: { cut },
          }
        : null,
    );
  });
});

describe('auto-resolve when every alert resolved', () => {
  test.each([
    { before: 0, now: 0, last: false },
    { before: 0, now: 2, last: false },
    { before: 2, now: 1, last: false },
    { before: 2, now: 0, last: true },
    { before: 1, now: 0, last: true },
  ])('firing before $before, now $now', ({ before, now, last }) => {
    expect(lastAlertResolved(before, now)).toBe(last);
  });

  const entry = (autoResolved: boolean) => ({
    kind: 'alerts_all_resolved',
    at: AT,
    actor: 'firebreak',
    source: 'firebreak',
    payload: { resolved: 4, autoResolved },
  });
  test.each([
    {
      name: 'auto-resolve on: resolve it like a person would, with the archive offer',
      incident: 'investigating' as const,
      policy: { autoResolve: true, archiveAfterMs: 3_600_000 },
      want: {
        entry: entry(true),
        followUp: { kind: 'resolve', summary: 'Every alert resolved.', archiveAfterMs: 3_600_000 },
      },
    },
    {
      name: 'auto-resolve on, no archive offer configured',
      incident: 'triage' as const,
      policy: { autoResolve: true },
      want: {
        entry: entry(true),
        followUp: { kind: 'resolve', summary: 'Every alert resolved.', archiveAfterMs: undefined },
      },
    },
    {
      name: 'auto-resolve off: only say so in the channel',
      incident: 'monitoring' as const,
      policy: { autoResolve: false },
      want: {
        entry: entry(false),
        followUp: {
          kind: 'message',
          message: { type: 'alerts_all_resolved', firing: 0, resolved: 4, autoResolved: false },
        },
      },
    },
    {
      name: 'already resolved by someone: nothing',
      incident: 'resolved' as const,
      policy: { autoResolve: true },
      want: null,
    },
    {
      name: 'no incident row: nothing',
      incident: undefined,
      policy: { autoResolve: true },
      want: null,
    },
  ])('$name', ({ incident, policy, want }) => {
    expect(decideSettlement({ incident, alerts: 4 }, policy, AT)).toEqual(want);
  });
});
