// Postmortem generation for incidents with 1 000 / 10 000 / 50 000 timeline events: time
// (load + render) and memory (what the loaded record keeps, the size of the draft).
// Target: < 250 ms for 10 000 events, memory flat as the record grows.
// Run: node --import tsx bench/postmortem.ts

import { renderPostmortem } from '../src/postmortem/draft.js';
import { loadPostmortemRecord } from '../src/postmortem/record.js';
import { alerts } from '../src/store/schema.js';
import type { Store } from '../src/store/unit-of-work.js';
import { record, type TimelineKind } from '../src/timeline/timeline.js';
import { percentile, printTable } from './lib.js';
import { gc, heapMb, insertIncident, tempDb, time } from './support.js';

const T0 = new Date('2026-11-22T10:00:00Z');
const LONG = `${'Connection pool exhausted on checkout-db-3; retrying with backoff. '.repeat(60)}\n\`\`\`\n${'ERROR: too many connections\n'.repeat(40)}\`\`\``;

/** A realistic mix: mostly alert noise, then people (pins, notes, updates), then bot events. */
function kindFor(i: number): { kind: TimelineKind; payload: Record<string, unknown> } {
  const r = i % 20;
  if (r < 9)
    return {
      kind: r % 2 ? 'alert_firing' : 'alert_resolved',
      payload: { key: `a${i % 300}`, title: `CPU high on node-${i % 300}`, service: 'checkout' },
    };
  if (r < 12)
    return {
      kind: 'pinned',
      payload: {
        messageKey: `C1:${i}`,
        text: i % 7 === 0 ? LONG : `pinned ${i}: latency 🔥 p99 ${i % 900} ms <@U0BOB0001>`,
        authorId: 'U0BOB0001',
        permalink: `https://acme.slack.com/archives/C1/p${i}`,
        files: [],
      },
    };
  if (r < 15) return { kind: 'note', payload: { text: `note ${i}: *checked* the _dashboards_` } };
  if (r < 17) return { kind: 'status_update', payload: { text: `Update ${i}: still mitigating.` } };
  if (r < 18) return { kind: 'reminder_sent', payload: {} };
  if (r < 19) return { kind: 'deploy_seen', payload: { service: 'checkout', version: `v${i}` } };
  return { kind: 'state_changed', payload: { from: 'investigating', to: 'identified' } };
}

async function seed(store: Store, events: number): Promise<number> {
  const id = await store.tx((tx) => insertIncident(tx, T0, `Checkout 5xx with ${events} events`));
  await store.tx(async (tx) => {
    for (let i = 0; i < 300; i++) {
      tx.insert(alerts)
        .values({
          incidentId: id,
          source: 'alertmanager',
          dedupeKey: `a${i}`,
          status: 'resolved',
          title: `CPU high on node-${i}`,
          service: 'checkout',
          severity: 'sev1',
          labels: {},
          annotations: {},
          startsAt: T0,
          endsAt: new Date(T0.getTime() + 3_600_000),
          firstSeenAt: T0,
          lastSeenAt: T0,
        })
        .run();
    }
    for (let i = 0; i < events; i++) {
      const { kind, payload } = kindFor(i);
      const at = new Date(T0.getTime() + i * 700);
      await record(
        tx,
        { incidentId: id, kind, at, actor: 'U0ANA0001', source: 'slack', payload },
        at,
      );
    }
  });
  return id;
}

const rows: (string | number)[][] = [];
for (const events of [1_000, 10_000, 50_000]) {
  const { store, dispose } = tempDb();
  const id = await seed(store, events);
  const generate = async () =>
    renderPostmortem(await store.read((tx) => loadPostmortemRecord(tx, id)), {
      generatedAt: new Date('2026-11-23T00:00:00Z'),
    });
  const times = await time(generate, events >= 50_000 ? 8 : 20);
  const kept = await store.read((tx) => loadPostmortemRecord(tx, id));
  const markdown = renderPostmortem(kept, { generatedAt: new Date() });
  gc();
  const heap = heapMb();
  rows.push([
    events.toLocaleString('en'),
    percentile(times, 50).toFixed(1),
    percentile(times, 95).toFixed(1),
    (times.at(-1) ?? 0).toFixed(1),
    kept.timeline.items.length,
    kept.timeline.omitted.toLocaleString('en'),
    (Buffer.byteLength(JSON.stringify(kept)) / 1024).toFixed(0),
    (Buffer.byteLength(markdown) / 1024).toFixed(0),
    heap.toFixed(1),
  ]);
  dispose();
}
printTable(
  'Postmortem draft (load record + render Markdown), file-backed SQLite',
  [
    'timeline events',
    'median ms',
    'p95 ms',
    'max ms',
    'entries shown',
    'omitted',
    'record KiB',
    'draft KiB',
    'heap after MB',
  ],
  rows,
);
process.stdout.write(
  '\nTarget: < 250 ms at 10 000 events. The record keeps a bounded head and tail of the curated timeline,\nso its heap and the draft size stay flat as the incident grows.\n',
);
