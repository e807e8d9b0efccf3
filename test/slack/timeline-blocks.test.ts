import { expect, test } from 'vitest';
import type { Followup } from '../../src/incidents/followups.js';
import { doraStats } from '../../src/metrics/dora.js';
import type { IncidentView } from '../../src/read-model/incident-view.js';
import { followupList, followupMessage } from '../../src/slack/blocks/followups.js';
import { renderMessage } from '../../src/slack/blocks/messages.js';
import { doraStatsText } from '../../src/slack/blocks/stats.js';
import { validateMessageBlocks } from '../emulators/slack.js';

const view = {
  incident: { id: 7, title: 't', severity: 'sev1', state: 'resolved' },
  alerts: { firing: 0, resolved: 0, latest: [] },
  suspects: [],
  freezes: [],
  pages: [],
} as unknown as IncidentView;

const huge = `数据库 🔥 <script> & \`\`\`code\`\`\` ${'x'.repeat(5000)}`;

test('the cause question stays inside Block Kit limits with absurd deploy names', () => {
  const suspects = Array.from({ length: 12 }, (_, i) => ({
    deployId: i + 1,
    service: `svc-${huge}`,
    environment: `env-${huge}`,
    version: `v-${huge}`,
    at: '2026-11-22T09:50:00.000Z',
  }));
  const rendered = renderMessage({ type: 'cause_question', suspects }, view);
  expect(validateMessageBlocks(rendered.blocks)).toBeUndefined();
  const json = JSON.stringify(rendered.blocks);
  expect(json).toContain('"value":"7:1"');
  expect(json).toContain('&lt;script&gt;');
  expect(json).toContain('(truncated)');
});

test('pin confirmations and follow-ups are valid blocks; long follow-up text is cut with a marker', () => {
  for (const message of [
    { type: 'timeline_pinned', by: 'U1', authorId: 'U2', via: 'reaction' },
    { type: 'timeline_withdrawn', by: 'U1' },
  ] as const) {
    expect(validateMessageBlocks(renderMessage(message, view).blocks)).toBeUndefined();
  }
  const followup: Followup = {
    id: 3,
    incidentId: 7,
    text: huge.slice(0, 1000),
    ownerId: 'U2',
    state: 'open',
    createdBy: 'U1',
    createdAt: new Date(),
    updatedAt: new Date(),
    trackerKind: null,
    trackerKey: null,
    trackerUrl: null,
    exportState: null,
    exportError: null,
  };
  const rendered = followupMessage(followup);
  expect(validateMessageBlocks(rendered.blocks)).toBeUndefined();
  expect(rendered.text.length).toBeLessThanOrEqual(3000);
  expect(JSON.stringify(rendered.blocks)).toContain('followup_done');
  const list = followupList(
    7,
    Array.from({ length: 60 }, (_, i) => ({ ...followup, id: i + 1 })),
  );
  expect(list.length).toBeLessThanOrEqual(3000);
  expect(list).toMatch(/truncated|more/);
});

test('deploy stats read as sentences, with dashes where there is nothing to measure', () => {
  const stats = doraStats(
    { deploys: [], causal: [], rollbacks: [] },
    { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-11-08T00:00:00Z') },
  );
  const text = doraStatsText(stats, { environment: 'production', days: 7 });
  expect(text).toContain(
    '*Deployment frequency:* 0 deploys, 0.0 a week, on 0 of 7 days — *less than monthly*',
  );
  expect(text).toContain('*Change failure rate:* —');
  expect(text).toContain('*Failed-deploy recovery time:* —');
});
