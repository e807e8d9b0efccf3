import { expect, test } from 'vitest';
import type { TrackerMessage } from '../../src/domain/tracker-messages.js';
import type { Followup } from '../../src/incidents/followups.js';
import type { IncidentView } from '../../src/read-model/incident-view.js';
import { followupLine } from '../../src/slack/blocks/followups.js';
import { renderMessage } from '../../src/slack/blocks/messages.js';
import { validateMessageBlocks } from '../emulators/slack.js';

const view = {
  incident: { id: 7, title: 't', severity: 'sev1', state: 'open' },
  alerts: { firing: 0, resolved: 0, latest: [] },
  suspects: [],
  freezes: [],
  pages: [],
} as unknown as IncidentView;

const hostile = `<!channel> <https://evil.example|click> & ${'x'.repeat(5000)}`;

test('tracker messages stay valid Block Kit and inert with hostile text, keys and reasons', () => {
  const messages: TrackerMessage[] = [
    {
      type: 'followup_exported',
      followupId: 1,
      text: hostile,
      tracker: 'github',
      key: 'acme/ops#1',
      url: 'https://github.com/acme/ops/issues/1',
    },
    {
      type: 'followup_export_failed',
      followupId: 1,
      text: hostile,
      tracker: 'jira',
      reason: hostile,
    },
    {
      type: 'followup_closed_in_tracker',
      followupId: 1,
      text: hostile,
      tracker: 'github',
      key: hostile,
      url: 'javascript:alert(1)',
      by: `github:${hostile}`,
      state: 'wont_do',
    },
  ];
  for (const message of messages) {
    const rendered = renderMessage(message, view);
    expect(validateMessageBlocks(rendered.blocks)).toBeUndefined();
    const json = JSON.stringify(rendered);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil.example|');
    expect(json).not.toContain('javascript:');
    expect(rendered.text.length).toBeLessThanOrEqual(3000);
  }
  expect(JSON.stringify(renderMessage(messages[1] as TrackerMessage, view).blocks)).toContain(
    '"action_id":"followup_export_retry","text":{"type":"plain_text","text":"Retry in Jira"',
  );
});

test("a follow-up's line shows its issue, or where its export stands", () => {
  const base = {
    id: 3,
    incidentId: 7,
    text: 'Add a canary',
    ownerId: null,
    state: 'open',
    createdBy: 'U1',
    createdAt: new Date(),
    updatedAt: new Date(),
    trackerKind: 'github',
    trackerKey: null,
    trackerUrl: null,
    exportState: null,
    exportError: null,
  } satisfies Followup;
  expect(followupLine(base)).not.toContain('GitHub');
  expect(followupLine({ ...base, exportState: 'pending' })).toContain('_going to GitHub_');
  expect(followupLine({ ...base, exportState: 'failed' })).toContain('no GitHub issue yet');
  expect(
    followupLine({
      ...base,
      exportState: 'exported',
      trackerKey: 'acme/ops#41',
      trackerUrl: 'https://github.com/acme/ops/issues/41',
    }),
  ).toContain(' · <https://github.com/acme/ops/issues/41|acme/ops#41>');
});
