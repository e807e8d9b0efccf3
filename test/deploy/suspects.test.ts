import { afterEach, expect, test } from 'vitest';
import { findSuspects, rankSuspects, rollbackTarget } from '../../src/deploy/suspects.js';
import type { Actor } from '../../src/incidents/events.js';
import { buildIncidentView } from '../../src/read-model/incident-view.js';
import { allDeploys } from '../../src/store/deploys.js';
import { findSuspectLink } from '../../src/store/suspects.js';
import { list } from '../../src/timeline/timeline.js';
import { deployCore } from '../support/deploy-core.js';

let close: (() => void) | undefined;
afterEach(() => close?.());
const ana: Actor = { id: 'U0ANA0001', source: 'slack' };

function setup(options?: Parameters<typeof deployCore>[0]) {
  const core = deployCore(options);
  close = core.close;
  return core;
}

const versions = (rows: { version: string }[]) => rows.map((r) => r.version);

test('suspects: the window before detection, failed and running first, then the most recent', async () => {
  const core = setup();
  await core.deploy('old', 'v0', 200); // outside the 2 h window
  await core.deploy('a', 'v1', 100);
  await core.deploy('b', 'v2', 50, { status: 'failed' });
  await core.deploy('c', 'v3', 20);
  await core.deploy('d', 'v4', 5);
  await core.deploy('e', 'v5', 300, { status: 'started' }); // still running, started before the window
  await core.deploy('s1', 'x1', 5, { serviceNames: ['search'] }); // another service
  await core.deploy('p1', 'y1', 5, { environment: 'staging' }); // another environment
  await core.deploy('late', 'v9', -5); // after detection
  const found = await core.store.read((tx) =>
    findSuspects(
      tx,
      { services: ['checkout'], environment: 'production', detectedAt: core.clock.now },
      { windowMs: 120 * 60_000, max: 5 },
    ),
  );
  expect(versions(found)).toEqual(['v2', 'v5', 'v4', 'v3', 'v1']);
  expect(
    versions(
      await core.store.read((tx) =>
        findSuspects(
          tx,
          { services: ['checkout'], environment: 'production', detectedAt: core.clock.now },
          { windowMs: 120 * 60_000, max: 3 },
        ),
      ),
    ),
  ).toEqual(['v2', 'v5', 'v4']);
});

test('a deploy running for more than a day is abandoned, not a suspect', async () => {
  const core = setup();
  await core.deploy('stuck', 'v1', 25 * 60, { status: 'started' });
  expect(
    await core.store.read((tx) =>
      findSuspects(
        tx,
        { services: ['checkout'], environment: 'production', detectedAt: core.clock.now },
        { windowMs: 120 * 60_000, max: 3 },
      ),
    ),
  ).toEqual([]);
});

test('rankSuspects is stable on ties (newest arrival first)', async () => {
  const at = new Date();
  const row = async (id: number, status: 'succeeded' | 'failed') =>
    ({ id, status, at, version: `v${id}` }) as Parameters<typeof rankSuspects>[0][number];
  expect(
    versions(
      rankSuspects([await row(1, 'succeeded'), await row(2, 'succeeded'), await row(3, 'failed')]),
    ),
  ).toEqual(['v3', 'v2', 'v1']);
});

test('alert-created and declared incidents get their suspects in the opening transaction', async () => {
  const core = setup();
  await core.deploy('a', 'v1', 60);
  await core.deploy('b', 'v2', 6);
  await core.alerts.ingest([
    {
      source: 'generic',
      key: 'k',
      groupKey: null,
      status: 'firing',
      title: 'Checkout 5xx',
      description: null,
      service: 'checkout-api',
      environment: 'production',
      severityLabel: 'critical',
      labels: {},
      annotations: {},
      url: null,
      startsAt: null,
      endsAt: null,
    },
  ]);
  const view = await core.store.read((tx) => buildIncidentView(tx, 1, core.clock.now));
  expect(
    view.suspects.map((s) => [s.version, s.minutesBeforeDetection, s.rollbackTo?.version ?? null]),
  ).toEqual([
    ['v2', 6, 'v1'],
    ['v1', 60, null],
  ]);

  const declared = await core.incidents.declare(
    { title: 'Search slow', severity: 'sev3', services: ['search'] },
    ana,
  );
  expect(
    (await core.store.read((tx) => buildIncidentView(tx, declared.id, core.clock.now))).suspects,
  ).toEqual([]);
  await core.deploy('s', 'x1', 3, { serviceNames: ['search'] });
  const third = await core.incidents.declare(
    { title: 'Search down', severity: 'sev2', services: ['search'] },
    ana,
  );
  expect(
    (await core.store.read((tx) => buildIncidentView(tx, third.id, core.clock.now))).suspects.map(
      (s) => s.version,
    ),
  ).toEqual(['x1']);
});

test('Not related sets the verdict once, records suspect_marked, and the card stops offering it', async () => {
  const core = setup();
  await core.deploy('a', 'v1', 60);
  await core.deploy('b', 'v2', 6);
  const incident = await core.incidents.declare(
    { title: 'Checkout down', severity: 'sev2', services: ['checkout'] },
    ana,
  );
  expect(await core.suspects.markNotRelated(incident.id, 2, ana)).toBe(true);
  expect(await core.suspects.markNotRelated(incident.id, 2, ana)).toBe(false);
  expect(await core.store.read((tx) => findSuspectLink(tx, incident.id, 2))).toMatchObject({
    verdict: 'not_related',
    verdictBy: ana.id,
  });
  const marked = (await core.store.read((tx) => list(tx, incident.id))).filter(
    (e) => e.kind === 'suspect_marked',
  );
  expect(marked).toHaveLength(1);
  expect(marked[0]?.payload).toMatchObject({ deployId: 2, verdict: 'not_related', version: 'v2' });
  await expect(core.suspects.markNotRelated(incident.id, 999, ana)).rejects.toThrow(
    /not a suspect/,
  );
});

test('the rollback target is the last successful deploy before, never a failed one, never one already undone', async () => {
  const core = setup();
  await core.deploy('a', 'v1', 60);
  await core.deploy('b', 'v2', 50, { status: 'failed' });
  await core.deploy('c', 'v3', 40);
  const row = async (version: string) => {
    const found = (await core.store.read((tx) => allDeploys(tx))).find(
      (d) => d.version === version,
    );
    if (!found) throw new Error(version);
    return found;
  };
  const [v1, v2, v3] = [await row('v1'), await row('v2'), await row('v3')];
  expect((await core.store.read((tx) => rollbackTarget(tx, v3)))?.version).toBe('v1');
  expect((await core.store.read((tx) => rollbackTarget(tx, v2)))?.version).toBe('v1');
  expect(await core.store.read((tx) => rollbackTarget(tx, v1))).toBeUndefined();
});
