// Jira Cloud REST v3, the parts the follow-up export uses: create an issue
// (POST /rest/api/3/issue with an ADF description → 201 {id, key, self}) and search by JQL
// (POST /rest/api/3/search/jql, the `labels = "…"` clause only). Basic auth, e-mail:API token.
// Answers are shaped like the documented ones in test/fixtures/jira/.
import {
  type LocalServer,
  type Received,
  send,
  sleep,
  startLocalServer,
} from '../deploy/server.js';

export interface EmulatedJiraIssue {
  id: string;
  key: string;
  project: string;
  issueType: string;
  summary: string;
  description: unknown;
  labels: string[];
}

export interface JiraEmulator extends LocalServer {
  readonly email: string;
  readonly token: string;
  readonly requests: Received[];
  readonly issues: EmulatedJiraIssue[];
  failNextCreate: { status: number; body: unknown } | null;
  /** The next create makes the issue, then answers this status. */
  failAfterCreate: number | null;
  slowAfterCreateMs: number;
}

/** The smallest check that the description is an ADF document, as Jira makes it. */
function isAdf(value: unknown): boolean {
  const doc = value as { type?: unknown; version?: unknown; content?: unknown } | null;
  return doc?.type === 'doc' && doc.version === 1 && Array.isArray(doc.content);
}

export async function startJira(options: {
  email: string;
  token: string;
  /** Project key → issue types it has. */
  projects: Record<string, string[]>;
}): Promise<JiraEmulator> {
  const requests: Received[] = [];
  const issues: EmulatedJiraIssue[] = [];
  const emulator = {
    failNextCreate: null as { status: number; body: unknown } | null,
    failAfterCreate: null as number | null,
    slowAfterCreateMs: 0,
  };
  const basic = `Basic ${Buffer.from(`${options.email}:${options.token}`).toString('base64')}`;
  let nextId = 10_000;

  const server = await startLocalServer(async (req, res) => {
    requests.push(req);
    if (req.headers.authorization !== basic)
      return send(res, 401, {
        errorMessages: [
          'You are not authenticated. Authentication required to perform this operation.',
        ],
        errors: {},
      });
    if (req.method === 'POST' && req.path === '/rest/api/3/issue') {
      if (emulator.failNextCreate) {
        const { status, body } = emulator.failNextCreate;
        emulator.failNextCreate = null;
        return send(res, status, body);
      }
      const fields = ((req.json ?? {}) as { fields?: Record<string, unknown> }).fields ?? {};
      const project = (fields.project as { key?: string } | undefined)?.key ?? '';
      const type = (fields.issuetype as { name?: string } | undefined)?.name ?? '';
      const errors: Record<string, string> = {};
      if (!options.projects[project]) errors.project = 'valid project is required';
      else if (!options.projects[project]?.includes(type))
        errors.issuetype = 'Specify a valid issue type';
      if (typeof fields.summary !== 'string' || !fields.summary)
        errors.summary = 'You must specify a summary of the issue.';
      if (fields.description !== undefined && !isAdf(fields.description))
        errors.description =
          'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
      if (Object.keys(errors).length > 0) return send(res, 400, { errorMessages: [], errors });
      const id = String(nextId++);
      const issue: EmulatedJiraIssue = {
        id,
        key: `${project}-${issues.filter((i) => i.project === project).length + 1}`,
        project,
        issueType: type,
        summary: String(fields.summary),
        description: fields.description,
        labels: Array.isArray(fields.labels) ? fields.labels.map(String) : [],
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
        return send(res, status, { errorMessages: ['Internal server error'], errors: {} });
      }
      return send(res, 201, {
        id,
        key: issue.key,
        self: `${server.url}/rest/api/3/issue/${id}`,
      });
    }
    if (req.method === 'POST' && req.path === '/rest/api/3/search/jql') {
      const body = (req.json ?? {}) as { jql?: string; maxResults?: number };
      const label = /labels\s*=\s*"([^"]+)"/.exec(body.jql ?? '')?.[1];
      const project = /project\s*=\s*"?([A-Z][A-Z0-9_]*)"?/.exec(body.jql ?? '')?.[1];
      const found = issues
        .filter((i) => (!label || i.labels.includes(label)) && (!project || i.project === project))
        .slice(0, body.maxResults ?? 50);
      return send(res, 200, {
        isLast: true,
        issues: found.map((i) => ({
          expand: '',
          id: i.id,
          key: i.key,
          self: `${server.url}/rest/api/3/issue/${i.id}`,
          fields: { summary: i.summary },
        })),
      });
    }
    return send(res, 404, { errorMessages: ['Not Found'], errors: {} });
  });

  return Object.assign(emulator, {
    url: server.url,
    close: server.close,
    email: options.email,
    token: options.token,
    requests,
    issues,
  });
}
