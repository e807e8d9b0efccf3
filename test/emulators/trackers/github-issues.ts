// GitHub Issues REST, the parts the follow-up export uses: create an issue
// (POST /repos/{owner}/{repo}/issues → 201 and the issue) and list a repository's issues
// (GET /repos/{owner}/{repo}/issues?state=all&since=…&sort=created&direction=desc). Issues are
// shaped like the recorded one in test/fixtures/github/issues/create-issue.response.json.
import { fixture } from '../../support/fixtures.js';
import {
  type LocalServer,
  type Received,
  send,
  sleep,
  startLocalServer,
} from '../deploy/server.js';

export interface EmulatedIssue {
  number: number;
  repo: string;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  created_at: string;
  updated_at: string;
}

export interface GithubIssuesEmulator extends LocalServer {
  readonly token: string;
  readonly requests: Received[];
  readonly issues: EmulatedIssue[];
  /** The next create answers this instead, creating nothing (e.g. 410, 422, 500). */
  failNextCreate: { status: number; message: string } | null;
  /** The next create makes the issue, then answers this status (a 502 after the fact). */
  failAfterCreate: number | null;
  /** The next create makes the issue, then waits this long before answering (past a timeout). */
  slowAfterCreateMs: number;
  /** Answers for the issue URL: the issue's html_url, as github.com would give it. */
  htmlUrl(issue: EmulatedIssue): string;
}

const TEMPLATE = fixture<Record<string, unknown>>('github/issues/create-issue.response.json');
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function startGithubIssues(options: {
  token: string;
  /** owner/name of the repositories that exist; others are 404. */
  repos: string[];
}): Promise<GithubIssuesEmulator> {
  const requests: Received[] = [];
  const issues: EmulatedIssue[] = [];
  const emulator = {
    failNextCreate: null as { status: number; message: string } | null,
    failAfterCreate: null as number | null,
    slowAfterCreateMs: 0,
    htmlUrl: (i: EmulatedIssue) => `https://github.com/${i.repo}/issues/${i.number}`,
  };
  const known = new Map(options.repos.map((r) => [r.toLowerCase(), r]));

  const view = (issue: EmulatedIssue) => {
    const api = `${server.url}/repos/${issue.repo}/issues/${issue.number}`;
    return {
      ...TEMPLATE,
      id: 100_000 + issue.number,
      url: api,
      repository_url: `${server.url}/repos/${issue.repo}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: emulator.htmlUrl(issue),
      number: issue.number,
      state: issue.state,
      title: issue.title,
      body: issue.body,
      labels: issue.labels.map((name, i) => ({ id: 1000 + i, name, color: 'ededed' })),
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.state === 'closed' ? issue.updated_at : null,
    };
  };

  const server = await startLocalServer(async (req, res) => {
    requests.push(req);
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(req.path);
    const repo = m ? known.get(`${m[1]}/${m[2]}`.toLowerCase()) : undefined;
    if (!m || !repo) return send(res, 404, { message: 'Not Found' });
    if (req.method === 'POST') {
      if (emulator.failNextCreate) {
        const { status, message } = emulator.failNextCreate;
        emulator.failNextCreate = null;
        return send(res, status, { message });
      }
      const body = (req.json ?? {}) as { title?: unknown; body?: unknown; labels?: unknown };
      if (typeof body.title !== 'string' || !body.title)
        return send(res, 422, {
          message: 'Invalid request.\n\n"title" wasn\'t supplied.',
          documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
        });
      const at = stamp();
      const issue: EmulatedIssue = {
        number: issues.filter((i) => i.repo === repo).length + 1,
        repo,
        title: body.title,
        body: typeof body.body === 'string' ? body.body : '',
        labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
        state: 'open',
        created_at: at,
        updated_at: at,
      };
      issues.push(issue);
      if (emulator.slowAfterCreateMs > 0) {
        const wait = emulator.slowAfterCreateMs;
        emulator.slowAfterCreateMs = 0;
        await sleep(wait);
      }
      if (emulator.failAfterCreate) {
        const status = emulator.failAfterCreate;
        emulator.failAfterCreate = null;
        return send(res, status, { message: 'Server Error' });
      }
      return send(res, 201, view(issue));
    }
    if (req.method === 'GET') {
      const since = req.query.get('since');
      const list = issues
        .filter((i) => i.repo === repo && (!since || i.updated_at >= since.replace(/\.\d+Z$/, 'Z')))
        .filter((i) => req.query.get('state') === 'all' || i.state === 'open')
        .reverse()
        .slice(0, Number(req.query.get('per_page') ?? 30));
      return send(res, 200, list.map(view));
    }
    return send(res, 404, { message: 'Not Found' });
  });

  return Object.assign(emulator, {
    url: server.url,
    close: server.close,
    token: options.token,
    requests,
    issues,
  });
}
