import { afterEach, expect, test } from 'vitest';
import type { NormalizedAlert } from '../../src/ingest/alert.js';
import { buildIncidentView } from '../../src/read-model/incident-view.js';
import { cardText, incidentCard } from '../../src/slack/blocks/incident-card.js';
import { blocks as ids } from '../../src/slack/ids.js';
import { testDb } from '../support/db.js';
import { coreServices } from '../support/incidents.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

const alert = (key: string, title: string, labels: Record<string, string>): NormalizedAlert => ({
  source: 'alertmanager',
  key,
  groupKey: 'am:{}:{alertname="High5xx"}',
  status: 'firing',
  title,
  description: null,
  service: 'checkout',
  environment: null,
  severityLabel: 'critical',
  labels,
  annotations: {},
  url: null,
  startsAt: new Date('2026-12-06T09:55:00Z'),
  endsAt: null,
});

test('card lines that share a title name the labels that differ between them, escaped', async () => {
  const opened = testDb();
  close = opened.close;
  const { store } = opened;
  const clock = { now: new Date('2026-12-06T10:00:00Z') };
  const { intake } = coreServices(store, clock);
  await intake.ingest([
    alert('a1', 'High 5xx error rate on checkout', { instance: 'api-1', job: 'checkout' }),
    alert('a2', 'High 5xx error rate on checkout', { instance: 'api-2', job: 'checkout' }),
    alert('a3', 'High 5xx error rate on checkout', {
      instance: '<!channel> api-3',
      job: 'checkout',
    }),
    alert('b1', 'Latency above SLO', { instance: 'api-1' }),
  ]);
  const view = await store.read((tx) => buildIncidentView(tx, 1, clock.now));
  const section = incidentCard(view).find((b) => b.block_id === ids.cardAlerts) as {
    text: { text: string };
  };
  const lines = section.text.text.split('\n');
  expect(lines.filter((l) => l.includes('High 5xx')).map((l) => l.split(' · ').at(-1))).toEqual([
    'instance=&lt;!channel&gt; api-3',
    'instance=api-2',
    'instance=api-1',
  ]);
  // A title of its own needs nothing more; labels all lines share are not repeated.
  expect(lines.find((l) => l.includes('Latency above SLO'))).not.toMatch(/instance=|job=/);
  expect(`${section.text.text}${cardText(view)}`).not.toContain('<!channel>');
});
