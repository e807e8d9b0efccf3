import { afterEach, expect, test } from 'vitest';
import { createTimelineCapture } from '../../src/incidents/capture.js';
import { chatLane } from '../../src/incidents/effects.js';
import { createFollowups } from '../../src/incidents/followups.js';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { askForCause, createCauses } from '../../src/postmortem/cause.js';
import { renderPostmortem } from '../../src/postmortem/draft.js';
import { loadPostmortemRecord } from '../../src/postmortem/record.js';
import { laneItems } from '../../src/store/outbox.js';
import { insertPage } from '../../src/store/paging.js';
import type { Tx } from '../../src/store/unit-of-work.js';
import { list, record, verify } from '../../src/timeline/timeline.js';
import { testDb } from '../support/db.js';
import {
  insertDeploy as insertDeployRow,
  insertFreeze,
  insertRollback,
  linkSuspect,
} from '../support/deploy-rows.js';
import { coreServices } from '../support/incidents.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

const at = (hhmm: string) => new Date(`2026-11-22T${hhmm}:00Z`);
const ts = (hhmm: string) => String(at(hhmm).getTime() / 1000).concat('.000100');
const ana = { id: 'U0ANA0001', source: 'slack' };
const bob = 'U0BOB0001';
const carol = 'U0CAR0001';

function alert(key: string, title: string, status: 'firing' | 'resolved'): NormalizedAlert {
  return {
    source: 'generic',
    key,
    groupKey: 'checkout-errors',
    status,
    title,
    description: null,
    service: 'checkout-api',
    environment: 'production',
    severityLabel: 'critical',
    labels: {},
    annotations: {},
    url: `https://grafana.example.com/d/${key}`,
    startsAt: at('09:55'),
    endsAt: status === 'resolved' ? at('10:20') : null,
  };
}

type DeployValues = Parameters<typeof insertDeployRow>[1];

async function insertDeploy(tx: Tx, values: Partial<DeployValues> & { version: string }) {
  return await insertDeployRow(tx, {
    source: 'generic',
    dedupeKey: `generic:${values.version}:${values.isRollback ? 'rb' : 'd'}`,
    service: 'checkout',
    serviceKnown: true,
    environment: 'production',
    status: 'succeeded',
    at: values.at ?? at('09:50'),
    receivedAt: values.at ?? at('09:50'),
    updatedAt: values.at ?? at('09:50'),
    ...values,
  });
}

/** Replays a whole incident through the real services (and rows other modules would write). */
async function replay() {
  const opened = testDb();
  close = opened.close;
  const { store } = opened;
  const clock = { now: at('10:00') };
  const { incidents, intake } = coreServices(store, clock, {
    listeners: [askForCause],
    services: { checkout: { aliases: ['checkout-api'], owners: [ana.id] } },
  });
  const capture = createTimelineCapture({ store, now: () => clock.now, kick: () => {} });
  const followups = createFollowups({ store, now: () => clock.now });
  const causes = createCauses({ store, now: () => clock.now, kick: () => {} });

  const good = await store.tx((tx) => insertDeploy(tx, { version: 'v41.0.0', at: at('08:00') }));
  const bad = await store.tx((tx) =>
    insertDeploy(tx, {
      version: 'v42.0.0',
      previousVersion: 'v41.0.0',
      actor: 'dana',
      url: 'https://ci.example.com/runs/42',
      compareUrl: 'https://github.com/acme/checkout/compare/v41.0.0...v42.0.0',
      commitAt: at('09:20'),
      at: at('09:50'),
      finishedAt: at('09:50'),
    }),
  );

  // 10:00 two alerts of one group: one incident.
  await intake.ingest([
    alert('checkout-5xx', 'High 5xx on checkout', 'firing'),
    alert('checkout-latency', 'p99 latency above 2 s', 'firing'),
  ]);
  // What the deploy correlator (issue 4) writes: the suspect.
  await store.tx((tx) => linkSuspect(tx, 1, bad.id, 0));

  clock.now = at('10:03');
  await incidents.acknowledge(1, ana);

  // 10:05 two messages pinned (written at 10:01 and 10:02); the second one is withdrawn.
  clock.now = at('10:05');
  await capture.pin(
    1,
    {
      channelId: 'C0INC0001',
      ts: ts('10:01'),
      threadTs: null,
      text: 'Pool exhausted after v42 — 数据库 🔥\n```\nERROR: too many connections (max 500)\n```\nsee <https://grafana.example.com/d/db|the DB board>',
      authorId: bob,
      permalink: 'https://acme.slack.com/archives/C0INC0001/p1',
      files: [{ name: 'pool.png', url: 'https://files.slack.com/pool.png' }],
    },
    { id: carol, source: 'slack' },
    'reaction',
  );
  await capture.pin(
    1,
    {
      channelId: 'C0INC0001',
      ts: ts('10:02'),
      threadTs: null,
      text: 'probably DNS',
      authorId: carol,
      permalink: null,
      files: [],
    },
    { id: carol, source: 'slack' },
    'reaction',
  );
  await capture.withdraw(1, 'C0INC0001', ts('10:02'), { id: carol, source: 'slack' });

  clock.now = at('10:06');
  await incidents.statusUpdate(1, 'Rolling checkout back to v41.0.0.', ana);

  // 10:07 the rollback and the freeze, as the deploy module (issue 4) records them.
  clock.now = at('10:07');
  const rollbackDeploy = await store.tx((tx) =>
    insertDeploy(tx, {
      version: 'v41.0.0',
      isRollback: true,
      at: at('10:12'),
      finishedAt: at('10:12'),
    }),
  );
  await store.tx((tx) =>
    insertRollback(tx, {
      incidentId: 1,
      service: 'checkout',
      environment: 'production',
      fromDeployId: bad.id,
      toDeployId: good.id,
      backend: 'command',
      idempotencyKey: `1:checkout:production:${good.id}`,
      status: 'succeeded',
      requestedBy: ana.id,
      requestedAt: at('10:07'),
      startedAt: at('10:07'),
      finishedAt: at('10:12'),
    }),
  );
  const rollbackPayload = {
    service: 'checkout',
    environment: 'production',
    fromVersion: 'v42.0.0',
    toVersion: 'v41.0.0',
  };
  await store.tx((tx) =>
    record(
      tx,
      {
        incidentId: 1,
        kind: 'rollback_requested',
        at: at('10:07'),
        actor: ana.id,
        source: 'slack',
        payload: rollbackPayload,
      },
      at('10:07'),
    ),
  );
  await store.tx((tx) =>
    insertFreeze(tx, {
      services: ['checkout'],
      environments: ['production'],
      reason: 'INC-1: checkout 5xx after v42',
      createdBy: ana.id,
      incidentId: 1,
      createdAt: at('10:08'),
      expiresAt: at('12:08'),
    }),
  );
  await store.tx((tx) =>
    record(
      tx,
      {
        incidentId: 1,
        kind: 'freeze_created',
        at: at('10:08'),
        actor: ana.id,
        source: 'slack',
        payload: {
          services: ['checkout'],
          environments: ['production'],
          reason: 'INC-1: checkout 5xx after v42',
        },
      },
      at('10:08'),
    ),
  );
  await store.tx((tx) =>
    insertPage(tx, {
      incidentId: 1,
      service: 'checkout',
      incidentKey: 'firebreak-1-checkout',
      status: 'acknowledged',
      htmlUrl: 'https://acme.pagerduty.com/incidents/PABC123',
      requestedBy: ana.id,
      origin: 'firebreak',
      createdAt: at('10:04'),
      updatedAt: at('10:04'),
    }),
  );
  await store.tx((tx) =>
    record(
      tx,
      {
        incidentId: 1,
        kind: 'page_triggered',
        at: at('10:04'),
        actor: ana.id,
        source: 'slack',
        payload: { service: 'checkout' },
      },
      at('10:04'),
    ),
  );

  clock.now = at('10:12');
  await store.tx((tx) =>
    record(
      tx,
      {
        incidentId: 1,
        kind: 'rollback_succeeded',
        at: at('10:12'),
        actor: 'firebreak',
        source: 'firebreak',
        payload: rollbackPayload,
      },
      at('10:12'),
    ),
  );
  await incidents.markMitigated(1, ana);

  clock.now = at('10:15');
  const fix = await followups.add(
    1,
    { text: 'Cap the pool per pod | add an alert', ownerId: bob },
    ana,
  );
  await followups.add(1, { text: 'Canary for checkout deploys', ownerId: null }, ana);
  const dropped = await followups.add(1, { text: 'Rewrite checkout in Rust', ownerId: carol }, ana);
  await followups.setState(dropped.id, 'wont_do', ana);
  await followups.setState(fix.id, 'done', { id: bob, source: 'slack' });

  clock.now = at('10:20');
  await intake.ingest([
    alert('checkout-5xx', 'High 5xx on checkout', 'resolved'),
    alert('checkout-latency', 'p99 latency above 2 s', 'resolved'),
  ]);

  clock.now = at('10:30');
  await incidents.resolve(1, 'Rolled back v42; the connection pool fix ships with v43.', ana);
  const asked = (await store.read((tx) => laneItems(tx, chatLane(1)))).find((o) =>
    JSON.stringify(o.payload).includes('cause_question'),
  );
  clock.now = at('10:31');
  await causes.recordCause(1, bad.id, ana);

  return { store, bad, good, rollbackDeploy, fix, asked };
}

/** `## Title` → the section's body, so each can be checked on its own. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^## /m);
  out.set('', parts[0] ?? '');
  for (const part of parts.slice(1)) {
    const newline = part.indexOf('\n');
    out.set(part.slice(0, newline), part.slice(newline + 1));
  }
  return out;
}

test('a whole incident, replayed, gives a postmortem that matches the record section by section', async () => {
  const { store, asked } = await replay();
  expect((await store.read((tx) => verify(tx))).problems).toEqual([]);
  expect(asked?.payload).toMatchObject({
    message: { type: 'cause_question', suspects: [{ service: 'checkout', version: 'v42.0.0' }] },
  });

  const markdown = renderPostmortem(await store.read((tx) => loadPostmortemRecord(tx, 1)), {
    generatedAt: at('11:00'),
  });
  const s = sections(markdown);
  expect([...s.keys()]).toEqual([
    '',
    'Summary',
    'Impact',
    'Milestones',
    'Alerts',
    'Deploys',
    'Rollbacks and freezes',
    'Pages',
    'Timeline',
    'Contributing factors',
    'What went well',
    'What went wrong, and where we got lucky',
    'Follow-ups',
  ]);

  const head = s.get('') ?? '';
  expect(head).toMatch(/^# INC-1: High 5xx on checkout\n/);
  expect(head).toContain('from the incident record on 2026-11-22 11:00:00 UTC');
  expect(head).toContain('| Severity | SEV1 |');
  expect(head).toContain('| State | Resolved |');
  expect(head).toContain('| Owner | @U0ANA0001 |');
  expect(head).toContain('| Services | checkout |');

  const summary = s.get('Summary') ?? '';
  expect(summary).toContain('INC-1 was a SEV1 incident affecting checkout in production');
  expect(summary).toContain('opened by an alert at 2026-11-22 10:00:00 UTC');
  expect(summary).toContain('resolved 35 min after impact started');
  expect(summary).toContain('Confirmed cause: the deploy of checkout v42.0.0');
  expect(summary).toContain('Rolled back v42; the connection pool fix ships with v43.');

  expect(s.get('Impact')).toContain(
    '**Impact window:** 2026-11-22 09:55:00 → 2026-11-22 10:12:00 UTC (17 min, until mitigated)',
  );

  const milestones = s.get('Milestones') ?? '';
  for (const row of [
    '| Impact started | 2026-11-22 09:55:00 |',
    '| Detected | 2026-11-22 10:00:00 |',
    '| Acknowledged | 2026-11-22 10:03:00 |',
    '| Mitigated | 2026-11-22 10:12:00 |',
    '| Resolved | 2026-11-22 10:30:00 |',
    '| Time to detect | 5 min |',
    '| Time to acknowledge | 3 min |',
    '| Time to mitigate | 17 min |',
    '| Time to resolve | 35 min |',
  ]) {
    expect(milestones).toContain(row);
  }
  // The same story as a Mermaid timeline: one diagram, in time order, times in UTC.
  expect(/```mermaid\n([\s\S]*?)\n```/.exec(milestones)?.[1]).toBe(
    [
      'timeline',
      '    title INC-1, times in UTC',
      '    09:50 : Deploy checkout v42.0.0 (the cause)',
      '    09:55 : Impact started',
      '    10:00 : Detected',
      '    10:03 : Acknowledged',
      '    10:07 : Rollback of checkout to v41.0.0 asked',
      '    10:12 : Rollback succeeded',
      '          : Mitigated',
      '    10:30 : Resolved',
    ].join('\n'),
  );

  const alerts = s.get('Alerts') ?? '';
  expect(alerts).toContain('2 alerts, all resolved.');
  expect(alerts).toContain(
    '| [High 5xx on checkout](https://grafana.example.com/d/checkout-5xx) | checkout | SEV1 | 2026-11-22 09:55:00 | 2026-11-22 10:20:00 | resolved |',
  );
  expect(alerts).toContain('p99 latency above 2 s');

  const deploysSection = s.get('Deploys') ?? '';
  expect(deploysSection).toContain(
    '| [v42.0.0](https://ci.example.com/runs/42) (from v41.0.0) · [diff](https://github.com/acme/checkout/compare/v41.0.0...v42.0.0) | checkout | production | 2026-11-22 09:50:00 | 10 min | dana | **caused it** (confirmed by @U0ANA0001) |',
  );
  expect(deploysSection).toContain('**Confirmed causal:** checkout v42.0.0.');

  const rollbacksAndFreezes = s.get('Rollbacks and freezes') ?? '';
  expect(rollbacksAndFreezes).toContain(
    '| checkout (production) | v42.0.0 → v41.0.0 | succeeded | @U0ANA0001 | 2026-11-22 10:07:00 | 2026-11-22 10:12:00 |',
  );
  expect(rollbacksAndFreezes).toContain(
    '| checkout × production | INC-1: checkout 5xx after v42 | @U0ANA0001 | 2026-11-22 10:08:00 | 2026-11-22 12:08:00 | — |',
  );

  expect(s.get('Pages')).toContain(
    '| checkout | acknowledged | @U0ANA0001 | 2026-11-22 10:04:00 | [incident](https://acme.pagerduty.com/incidents/PABC123) |',
  );

  const timeline = s.get('Timeline') ?? '';
  const lines = timeline.split('\n').filter((l) => l.startsWith('- **'));
  const stamps = lines.map((l) => l.slice(4, 23));
  expect(stamps).toEqual([...stamps].sort());
  expect(lines.map((l) => l.slice(28))).toEqual([
    'First alert fired: High 5xx on checkout (checkout)',
    'Incident opened by an alert from generic (SEV1): High 5xx on checkout',
    '📌 @U0BOB0001 ([message](https://acme.slack.com/archives/C0INC0001/p1)), added by @U0CAR0001',
    'Acknowledged by @U0ANA0001',
    '📟 Paged checkout (@U0ANA0001)',
    '📣 Status update from @U0ANA0001',
    '↩️ Rollback requested of checkout (production): v42.0.0 → v41.0.0 (@U0ANA0001)',
    '🧊 Deploy freeze created (checkout): INC-1: checkout 5xx after v42 (@U0ANA0001)',
    '↩️ Rollback succeeded of checkout (production): v42.0.0 → v41.0.0 (firebreak)',
    'Marked mitigated by @U0ANA0001',
    'Every alert resolved (2)',
    'Resolved by @U0ANA0001',
    'Cause recorded by @U0ANA0001: the deploy of checkout v42.0.0',
  ]);
  // The pinned message keeps its words, its code block and its file; the withdrawn pin is gone.
  expect(timeline).toContain('  Pool exhausted after v42 — 数据库 🔥');
  expect(timeline).toContain('  ```\n  ERROR: too many connections (max 500)\n  ```');
  expect(timeline).toContain('  see the DB board (https://grafana.example.com/d/db)');
  expect(timeline).toContain('  Files: [pool.png](https://files.slack.com/pool.png)');
  expect(timeline).toContain('  Rolling checkout back to v41.0.0.');
  expect(timeline).not.toContain('probably DNS');
  expect(
    (await store.read((tx) => list(tx, 1))).some(
      (e) => e.kind === 'pinned' && e.payload.text === 'probably DNS',
    ),
  ).toBe(true);

  for (const fill of [
    'Contributing factors',
    'What went well',
    'What went wrong, and where we got lucky',
  ]) {
    expect(s.get(fill)).toMatch(/^\n_.+_\n\n$/);
  }

  const followupLines = (s.get('Follow-ups') ?? '').split('\n').filter((l) => l.startsWith('- '));
  expect(followupLines).toEqual([
    '- [x] #1 Cap the pool per pod \\| add an alert — owner @U0BOB0001 (done)',
    '- [ ] #2 Canary for checkout deploys — no owner yet',
    "- [ ] ~~#3 Rewrite checkout in Rust~~ — owner @U0CAR0001 (won't do)",
  ]);
});

test('the same record renders the same draft (the draft is a pure function of the record)', async () => {
  const { store } = await replay();
  const record = await store.read((tx) => loadPostmortemRecord(tx, 1));
  const a = renderPostmortem(record, { generatedAt: at('11:00') });
  expect(renderPostmortem(record, { generatedAt: at('11:00') })).toBe(a);
});

test('a postmortem for an unknown incident is a clear not-found', async () => {
  const { store } = await replay();
  await expect(store.read((tx) => loadPostmortemRecord(tx, 99))).rejects.toThrow(
    'There is no incident INC-99.',
  );
});
