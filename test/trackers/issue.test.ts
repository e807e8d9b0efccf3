import { expect, test } from 'vitest';
import { parseFileConfig } from '../../src/config.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Followup } from '../../src/incidents/followups.js';
import { trackerConfigFor, webhookSecrets } from '../../src/trackers/export.js';
import { adfDescription, issueDraft, markdownBody } from '../../src/trackers/issue.js';

const at = new Date('2026-12-06T04:00:00Z');
const followup = (text: string): Followup => ({
  id: 7,
  incidentId: 3,
  text,
  ownerId: 'U0BOB',
  state: 'open',
  createdBy: 'U0ANA',
  createdAt: at,
  updatedAt: at,
  trackerKind: 'github',
  trackerKey: null,
  trackerUrl: null,
  exportState: 'pending',
  exportError: null,
});
const incident = {
  id: 3,
  title: 'Checkout down',
  severity: 'sev2',
  services: ['checkout'],
  channelId: 'C0INC',
  channelName: 'inc-3-checkout-down',
} as Incident;

test('outside text in the GitHub body is inert: no markup, no @mentions, no early end of the marker', () => {
  const hostile = '@octocat see [here](javascript:x) <!-- --> **bold** #12';
  const body = markdownBody(
    issueDraft({
      followup: followup(hostile),
      incident,
      names: new Map([['U0BOB', '@here <b>']]),
      publicUrl: 'https://firebreak.example.com/',
      since: at,
    }),
  );
  expect(body).not.toMatch(/(^|[^\u2060])@octocat/);
  expect(body).toContain('@\u2060octocat');
  expect(body).toContain('\\[here\\]');
  expect(body).toContain('\\<\\!-- --\\>');
  expect(body).toContain('- **Follow-up owner:** @\u2060here \\<b\\>');
  expect(body).toContain('- **Added by:** U0ANA');
  expect(body).toContain('(<https://firebreak.example.com/api/v1/incidents/3>)');
  // The marker is the last line, once.
  expect(body.trim().split('\n').at(-1)).toBe(
    `<!-- firebreak-followup-7-${at.getTime().toString(36)} -->`,
  );
  expect(body.match(/<!-- firebreak-followup/g)).toHaveLength(1);
});

test('the Jira description is an ADF document with the same facts', () => {
  const draft = issueDraft({
    followup: followup('x'.repeat(400)),
    incident,
    names: new Map(),
    publicUrl: null,
    since: at,
  });
  expect(draft.title).toHaveLength('[INC-3] '.length + 250);
  const doc = adfDescription(draft);
  expect(doc).toMatchObject({ type: 'doc', version: 1 });
  expect(JSON.stringify(doc)).toContain('"href":"https://slack.com/app_redirect?channel=C0INC"');
});

test('config: a service tracker overrides the global one; bad keys are named; secrets from environment references', () => {
  const file = parseFileConfig(
    `
services:
  checkout:
    tracker: { kind: jira, url: https://acme.atlassian.net, email: a@acme.example, token: t, project: OPS, webhookSecret: '\${JIRA_SECRET}' }
  search: {}
followups:
  tracker: { kind: github, repo: acme/ops, token: '\${GH_TOKEN}', webhookSecret: 0123456789abcdef }
`,
    { GH_TOKEN: 'ghp_x', JIRA_SECRET: 'jira-secret-0123456789' },
  );
  expect(trackerConfigFor(file, ['search', 'checkout'])?.kind).toBe('jira');
  expect(trackerConfigFor(file, ['search'])).toMatchObject({ kind: 'github', token: 'ghp_x' });
  expect(webhookSecrets(file, 'jira')).toEqual([
    { secret: 'jira-secret-0123456789', scope: 'OPS' },
  ]);
  expect(webhookSecrets(file, 'github')).toEqual([
    { secret: '0123456789abcdef', scope: 'acme/ops' },
  ]);
  expect(trackerConfigFor(parseFileConfig(''), ['checkout'])).toBeNull();
  expect(() =>
    parseFileConfig(
      'followups:\n  tracker: { kind: jira, url: https://a.atlassian.net, email: nope, token: t, project: OPS }\n',
    ),
  ).toThrow('firebreak.yaml followups.tracker.email must be the e-mail');
  expect(() =>
    parseFileConfig('followups:\n  tracker: { kind: github, repo: acme, token: t }\n'),
  ).toThrow('firebreak.yaml followups.tracker.repo must be owner/name');
});

test('a private incident’s title and channel name stay out of the issue', () => {
  const draft = issueDraft({
    followup: followup('Add a canary stage'),
    incident: { ...incident, private: true },
    names: new Map(),
    publicUrl: null,
    since: at,
  });
  const body = markdownBody(draft);
  expect(body).not.toContain('Checkout down');
  expect(body).not.toContain('inc-3-checkout-down');
  expect(body).toContain('INC-3 (private incident) (sev2)');
  expect(JSON.stringify(adfDescription(draft))).not.toContain('Checkout down');
  expect(draft.title).toBe('[INC-3] Add a canary stage');
  // The same incident, public: its title and channel are named.
  const open = markdownBody(
    issueDraft({
      ...{ followup: followup('x'), names: new Map() },
      incident,
      publicUrl: null,
      since: at,
    }),
  );
  expect(open).toContain('Checkout down');
  expect(open).toContain('#inc-3-checkout-down');
});
