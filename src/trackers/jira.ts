import {
  asRecord,
  asString,
  BackendError,
  call,
  describeStatus,
  jsonText,
  retryAfterMs,
} from '../deploy/backends/http.js';
import { DeliveryError } from '../outbox/worker.js';
import type { CreatedIssue, IssueDraft, TrackerClient } from './client.js';
import { TrackerRefused } from './client.js';
import { adfDescription } from './issue.js';

// Jira Cloud REST v3: POST /rest/api/3/issue with an ADF description, basic auth with the
// user's e-mail and API token. The marker is a label on the issue; before creating, a JQL
// search (POST /rest/api/3/search/jql) for that label finds an issue an earlier try created.

export interface JiraTrackerConfig {
  url: string;
  email: string;
  token: string;
  project: string;
  issueType: string;
  labels: readonly string[];
  timeoutMs: number;
}

/** Jira's errors: `errorMessages` and a field → message map. */
function jiraMessage(json: unknown): string | null {
  const body = asRecord(json);
  const messages = Array.isArray(body.errorMessages) ? body.errorMessages.map(jsonText) : [];
  const fields = Object.entries(asRecord(body.errors)).map(([k, v]) => `${k}: ${jsonText(v)}`);
  const all = [...messages, ...fields].join('; ');
  return all ? all.slice(0, 300) : null;
}

export function jiraTracker(config: JiraTrackerConfig): TrackerClient {
  const site = config.url.replace(/\/+$/, '');
  const headers = {
    authorization: `Basic ${Buffer.from(`${config.email}:${config.token}`).toString('base64')}`,
    accept: 'application/json',
    'content-type': 'application/json',
    'user-agent': 'firebreak',
  };

  function failure(answer: Awaited<ReturnType<typeof call>>): Error {
    const detail = jiraMessage(answer.json);
    const message = detail
      ? `Jira answered ${answer.status}: ${detail}`
      : describeStatus('Jira', answer);
    if (answer.status === 429)
      return new DeliveryError(message, {
        throttled: true,
        retryAfterMs: retryAfterMs(answer.headers),
      });
    if (answer.status >= 400 && answer.status < 500) return new TrackerRefused(message);
    return new BackendError(message);
  }

  const browse = (key: string) => `${site}/browse/${encodeURIComponent(key)}`;

  async function findExisting(draft: IssueDraft): Promise<CreatedIssue | null> {
    const answer = await call(`${site}/rest/api/3/search/jql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jql: `project = "${config.project}" AND labels = "${draft.marker}"`,
        fields: ['summary'],
        maxResults: 1,
      }),
      timeoutMs: config.timeoutMs,
    });
    if (answer.status !== 200) throw failure(answer);
    const issues = asRecord(answer.json).issues;
    const first = Array.isArray(issues) ? asRecord(issues[0]) : {};
    const key = asString(first.key);
    return key ? { key, url: browse(key), found: true } : null;
  }

  return {
    kind: 'jira',
    async createOnce(draft) {
      const existing = await findExisting(draft);
      if (existing) return existing;
      const answer = await call(`${site}/rest/api/3/issue`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          fields: {
            project: { key: config.project },
            issuetype: { name: config.issueType },
            summary: draft.title,
            description: adfDescription(draft),
            labels: [...config.labels, draft.marker],
          },
        }),
        timeoutMs: config.timeoutMs,
      });
      if (answer.status !== 201) throw failure(answer);
      const key = asString(asRecord(answer.json).key);
      if (!key) throw new BackendError('Jira answered 201 without an issue key');
      return { key, url: browse(key), found: false };
    },
  };
}
