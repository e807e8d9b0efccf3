import {
  asRecord,
  asString,
  BackendError,
  call,
  describeStatus,
  retryAfterMs,
} from '../deploy/backends/http.js';
import { DeliveryError } from '../outbox/worker.js';
import type { CreatedIssue, IssueDraft, TrackerClient } from './client.js';
import { TrackerRefused } from './client.js';
import { markdownBody } from './issue.js';

// GitHub Issues REST: POST /repos/{owner}/{repo}/issues. Before creating, the repository's
// issues updated since the first try are listed (a consistent read, unlike search) and the
// one carrying our hidden marker, if any, is taken: a create that timed out after GitHub made
// the issue is not made twice.

export interface GithubTrackerConfig {
  repo: string;
  token: string;
  apiUrl: string;
  labels: readonly string[];
  timeoutMs: number;
}

/** Issues created within this of the first try could still be ours (clock skew). */
const SKEW_MS = 5 * 60_000;

export function githubTracker(config: GithubTrackerConfig): TrackerClient {
  const api = `${config.apiUrl.replace(/\/+$/, '')}/repos/${config.repo}/issues`;
  const headers = {
    authorization: `Bearer ${config.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'firebreak',
    'content-type': 'application/json',
  };

  function failure(answer: Awaited<ReturnType<typeof call>>): Error {
    const message = describeStatus('GitHub', answer);
    const limited =
      answer.status === 429 ||
      (answer.status === 403 && answer.headers.get('x-ratelimit-remaining') === '0');
    if (limited)
      return new DeliveryError(message, {
        throttled: true,
        retryAfterMs: retryAfterMs(answer.headers),
      });
    if (answer.status >= 400 && answer.status < 500) return new TrackerRefused(message);
    return new BackendError(message);
  }

  const keyOf = (number: number) => `${config.repo}#${number}`;

  async function findExisting(draft: IssueDraft): Promise<CreatedIssue | null> {
    // GitHub documents `since` as YYYY-MM-DDTHH:MM:SSZ.
    const since = new Date(draft.since.getTime() - SKEW_MS).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = new URLSearchParams({
      state: 'all',
      since,
      sort: 'created',
      direction: 'desc',
      per_page: '100',
    });
    const answer = await call(`${api}?${query}`, {
      method: 'GET',
      headers,
      timeoutMs: config.timeoutMs,
    });
    if (answer.status !== 200) throw failure(answer);
    const list = Array.isArray(answer.json) ? answer.json : [];
    for (const item of list) {
      const issue = asRecord(item);
      const body = asString(issue.body) ?? '';
      const url = asString(issue.html_url);
      if (body.includes(draft.marker) && url && typeof issue.number === 'number')
        return { key: keyOf(issue.number), url, found: true };
    }
    return null;
  }

  return {
    kind: 'github',
    async createOnce(draft) {
      const existing = await findExisting(draft);
      if (existing) return existing;
      const answer = await call(api, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          title: draft.title,
          body: markdownBody(draft),
          ...(config.labels.length > 0 ? { labels: config.labels } : {}),
        }),
        timeoutMs: config.timeoutMs,
      });
      if (answer.status !== 201) throw failure(answer);
      const issue = asRecord(answer.json);
      const url = asString(issue.html_url);
      if (!url || typeof issue.number !== 'number')
        throw new BackendError('GitHub answered 201 without an issue number and html_url');
      return { key: keyOf(issue.number), url, found: false };
    },
  };
}
