// GitHub Actions REST, the parts the `github` rollback backend uses: workflow dispatch
// (200 with run details, or the older 204), a run by id, and a workflow's runs.
import { type LocalServer, type Received, send, startLocalServer } from './server.js';

export interface EmulatedRun {
  id: number;
  workflow: string;
  head_branch: string;
  event: 'workflow_dispatch';
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'cancelled' | null;
  created_at: string;
  html_url: string;
  inputs: Record<string, string>;
  /** How many more GETs it stays in progress before completing with `finalConclusion`. */
  pollsLeft: number;
  finalConclusion: 'success' | 'failure' | 'cancelled';
}

export interface GithubActionsEmulator extends LocalServer {
  readonly token: string;
  readonly requests: Received[];
  readonly runs: EmulatedRun[];
  /** 200 + run details (today's GitHub) or 204 (older GitHub Enterprise Server). */
  returnRunDetails: boolean;
  /** The next dispatch answers this status instead (e.g. 422, 500). */
  failNextDispatch: { status: number; message: string } | null;
  /** New runs stay in progress this many polls, then conclude so. */
  nextRun: { polls: number; conclusion: 'success' | 'failure' | 'cancelled' };
}

export async function startGithubActions(options: {
  token: string;
}): Promise<GithubActionsEmulator> {
  const requests: Received[] = [];
  const runs: EmulatedRun[] = [];
  let nextId = 9_000_001;
  const emulator = {
    returnRunDetails: true,
    failNextDispatch: null as { status: number; message: string } | null,
    nextRun: { polls: 1, conclusion: 'success' as EmulatedRun['finalConclusion'] },
  };

  const view = (run: EmulatedRun) => {
    const { pollsLeft: _p, finalConclusion: _f, inputs: _i, workflow: _w, ...visible } = run;
    return visible;
  };
  const advance = (run: EmulatedRun) => {
    if (run.status === 'completed') return;
    if (run.pollsLeft <= 0) {
      run.status = 'completed';
      run.conclusion = run.finalConclusion;
    } else {
      run.pollsLeft--;
      run.status = 'in_progress';
    }
  };

  const server = await startLocalServer((req, res) => {
    requests.push(req);
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return send(res, 401, { message: 'Bad credentials' });
    let m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/.exec(req.path);
    if (m && req.method === 'POST') {
      if (emulator.failNextDispatch) {
        const { status, message } = emulator.failNextDispatch;
        emulator.failNextDispatch = null;
        return send(res, status, { message });
      }
      const body = (req.json ?? {}) as {
        ref?: string;
        inputs?: Record<string, string>;
        return_run_details?: boolean;
      };
      if (!body.ref) return send(res, 422, { message: 'Invalid request. "ref" wasn\'t supplied.' });
      const id = nextId++;
      const run: EmulatedRun = {
        id,
        workflow: decodeURIComponent(m[3] ?? ''),
        head_branch: body.ref,
        event: 'workflow_dispatch',
        status: 'queued',
        conclusion: null,
        created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        html_url: `https://github.com/${m[1]}/${m[2]}/actions/runs/${id}`,
        inputs: body.inputs ?? {},
        pollsLeft: emulator.nextRun.polls,
        finalConclusion: emulator.nextRun.conclusion,
      };
      runs.push(run);
      if (emulator.returnRunDetails && body.return_run_details) {
        return send(res, 200, {
          workflow_run_id: id,
          run_url: `${server.url}/repos/${m[1]}/${m[2]}/actions/runs/${id}`,
          html_url: run.html_url,
        });
      }
      return send(res, 204);
    }
    m = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)$/.exec(req.path);
    if (m && req.method === 'GET') {
      const run = runs.find((r) => r.id === Number(m?.[1]));
      if (!run) return send(res, 404, { message: 'Not Found' });
      advance(run);
      return send(res, 200, view(run));
    }
    m = /^\/repos\/[^/]+\/[^/]+\/actions\/workflows\/([^/]+)\/runs$/.exec(req.path);
    if (m && req.method === 'GET') {
      const workflow = decodeURIComponent(m[1] ?? '');
      const branch = req.query.get('branch');
      const list = runs
        .filter((r) => r.workflow === workflow && (!branch || r.head_branch === branch))
        .reverse();
      for (const r of list) advance(r);
      return send(res, 200, { total_count: list.length, workflow_runs: list.map(view) });
    }
    return send(res, 404, { message: 'Not Found' });
  });

  return Object.assign(emulator, {
    url: server.url,
    close: server.close,
    token: options.token,
    requests,
    runs,
  });
}
