import { z } from 'zod';
import type { FollowupExport } from '../incidents/followup-export.js';
import type { WebhookSecret } from '../trackers/export.js';
import { hmacHex, safeEqual } from './auth.js';
import { HttpError, parseJson, readBody, sendJson } from './body.js';
import type { Route, RouteHandler } from './server.js';

// Issue events from the trackers follow-ups are exported to: a closed issue marks its
// follow-up done. Both are signed with HMAC-SHA256 of the raw body (GitHub in
// X-Hub-Signature-256, a Jira admin webhook with a secret in X-Hub-Signature).

/** An issue event with a long body is ~30 KB; GitHub caps issue bodies at 65536 characters. */
export const TRACKER_BODY_LIMIT = 1024 * 1024;

export interface TrackerRouteDeps {
  exports: FollowupExport;
  /** The configured webhook secrets of each kind, each with the repo or project it speaks for. */
  secrets: { github: readonly WebhookSecret[]; jira: readonly WebhookSecret[] };
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The repos or projects whose secret signed `raw`; 401 when none did. */
function verify(
  secrets: readonly WebhookSecret[],
  given: string | undefined,
  raw: Buffer,
): Set<string> {
  const scopes = new Set<string>();
  for (const { secret, scope } of secrets)
    if (given && safeEqual(given, `sha256=${hmacHex(secret, raw)}`))
      scopes.add(scope.toLowerCase());
  if (scopes.size === 0) throw new HttpError(401, 'missing or wrong signature');
  return scopes;
}

/** A valid signature speaks only for its own tracker's repo or project. */
function requireScope(scopes: Set<string>, scope: string, what: string): void {
  if (!scopes.has(scope.toLowerCase()))
    throw new HttpError(403, `this webhook's secret is not the one configured for ${what}`);
}

const GithubIssueEvent = z.object({
  action: z.string().max(100),
  issue: z.object({
    number: z.number().int().positive(),
    state_reason: z.string().max(100).nullish(),
  }),
  repository: z.object({ full_name: z.string().min(3).max(200) }),
  sender: z.object({ login: z.string().max(100) }).nullish(),
});

const githubIssues =
  (deps: TrackerRouteDeps): RouteHandler =>
  async (req, res) => {
    if (deps.secrets.github.length === 0) {
      req.resume();
      throw new HttpError(404, 'no GitHub tracker has a webhookSecret, so this route is off');
    }
    const raw = await readBody(req, TRACKER_BODY_LIMIT);
    const scopes = verify(deps.secrets.github, header(req.headers['x-hub-signature-256']), raw);
    const event = header(req.headers['x-github-event']) ?? '';
    if (event === 'ping') return sendJson(res, 200, { ok: true });
    if (event !== 'issues') return sendJson(res, 202, { ignored: true, event });
    const body = GithubIssueEvent.parse(parseJson(raw));
    if (body.action !== 'closed') return sendJson(res, 202, { ignored: true, action: body.action });
    requireScope(scopes, body.repository.full_name, body.repository.full_name);
    const login = body.sender?.login;
    const outcome = await deps.exports.closedInTracker(
      'github',
      `${body.repository.full_name}#${body.issue.number}`,
      { id: login ? `github:${login}` : 'github', source: 'github' },
      body.issue.state_reason === 'not_planned' ? 'wont_do' : 'done',
    );
    sendJson(res, 200, outcome);
  };

const JiraEvent = z.object({ webhookEvent: z.string().max(100) }).loose();

const JiraIssueEvent = z.object({
  webhookEvent: z.string().max(100),
  user: z.object({ displayName: z.string().max(200).nullish() }).nullish(),
  issue: z.object({
    key: z.string().regex(/^[A-Z][A-Z0-9_]*-\d+$/),
    fields: z
      .object({
        status: z
          .object({ statusCategory: z.object({ key: z.string().max(50) }).nullish() })
          .nullish(),
      })
      .nullish(),
  }),
});

const jiraIssues =
  (deps: TrackerRouteDeps): RouteHandler =>
  async (req, res) => {
    if (deps.secrets.jira.length === 0) {
      req.resume();
      throw new HttpError(404, 'no Jira tracker has a webhookSecret, so this route is off');
    }
    const raw = await readBody(req, TRACKER_BODY_LIMIT);
    const scopes = verify(deps.secrets.jira, header(req.headers['x-hub-signature']), raw);
    const envelope = JiraEvent.parse(parseJson(raw));
    // Jira sends every event the admin ticked (sprints, worklogs…): only issue updates matter.
    if (envelope.webhookEvent !== 'jira:issue_updated')
      return sendJson(res, 202, { ignored: true, event: envelope.webhookEvent });
    const body = JiraIssueEvent.parse(envelope);
    const project = body.issue.key.slice(0, body.issue.key.lastIndexOf('-'));
    requireScope(scopes, project, `Jira project ${project}`);
    // "Closed" in Jira is any status in the Done category (Done, Closed, Resolved…).
    if (body.issue.fields?.status?.statusCategory?.key !== 'done')
      return sendJson(res, 202, { ignored: true, reason: 'the issue is not in a done status' });
    const name = body.user?.displayName;
    const outcome = await deps.exports.closedInTracker('jira', body.issue.key, {
      id: name ? `jira:${name}` : 'jira',
      source: 'jira',
    });
    sendJson(res, 200, outcome);
  };

export const trackerRoutes = (deps: TrackerRouteDeps): Route[] => [
  {
    method: 'POST',
    path: '/webhooks/trackers/github',
    refuseWhileDraining: true,
    handler: githubIssues(deps),
  },
  {
    method: 'POST',
    path: '/webhooks/trackers/jira',
    refuseWhileDraining: true,
    handler: jiraIssues(deps),
  },
];
