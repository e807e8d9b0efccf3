// Argo CD's REST API, the parts the `argocd` rollback backend uses: an Application (spec,
// status.history, status.operationState), its sync windows, PATCH and rollback.
import { type LocalServer, type Received, send, startLocalServer } from './server.js';

export interface ArgoCdEmulator extends LocalServer {
  readonly token: string;
  readonly requests: Received[];
  readonly app: {
    name: string;
    autoSync: boolean;
    canSync: boolean;
    history: { id: number; revision: string }[];
    operationState: Record<string, unknown> | null;
  };
  /** A rollback runs this many polls, then ends so. */
  nextRollback: { polls: number; phase: 'Succeeded' | 'Failed'; message?: string };
  /** Rollback ids Argo CD was asked to roll back to. */
  readonly rollbacks: number[];
}

export async function startArgoCd(options: {
  token: string;
  app: string;
  history: { id: number; revision: string }[];
  autoSync?: boolean;
}): Promise<ArgoCdEmulator> {
  const requests: Received[] = [];
  const rollbacks: number[] = [];
  const app = {
    name: options.app,
    autoSync: options.autoSync ?? false,
    canSync: true,
    history: options.history,
    operationState: null as Record<string, unknown> | null,
  };
  const state = {
    nextRollback: {
      polls: 1,
      phase: 'Succeeded' as 'Succeeded' | 'Failed',
      message: undefined as string | undefined,
    },
  };
  let pollsLeft = 0;
  let pending: { phase: 'Succeeded' | 'Failed'; message?: string } | null = null;

  const application = () => ({
    metadata: { name: app.name, namespace: 'argocd' },
    spec: {
      project: 'default',
      syncPolicy: app.autoSync ? { automated: { prune: true, selfHeal: true } } : {},
    },
    status: { history: app.history, operationState: app.operationState },
  });

  const server = await startLocalServer((req, res) => {
    requests.push(req);
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return send(res, 401, { error: 'invalid session', code: 16, message: 'invalid session' });
    const base = `/api/v1/applications/${encodeURIComponent(app.name)}`;
    if (req.path === `${base}/syncwindows` && req.method === 'GET') {
      return send(res, 200, {
        activeWindows: app.canSync ? [] : [{ kind: 'deny', schedule: '* * * * *', duration: '1h' }],
        assignedWindows: [],
        canSync: app.canSync,
      });
    }
    if (req.path === base && req.method === 'GET') {
      if (pending && app.operationState?.phase === 'Running') {
        if (pollsLeft <= 0) {
          app.operationState = {
            ...app.operationState,
            phase: pending.phase,
            message:
              pending.message ??
              (pending.phase === 'Succeeded'
                ? 'successfully synced (all tasks run)'
                : 'one or more objects failed to apply'),
            finishedAt: new Date().toISOString(),
          };
          pending = null;
        } else pollsLeft--;
      }
      return send(res, 200, application());
    }
    if (req.path === base && req.method === 'PATCH') {
      const body = (req.json ?? {}) as { patch?: string; patchType?: string };
      const patch = JSON.parse(body.patch ?? '{}') as {
        spec?: { syncPolicy?: { automated?: unknown } };
      };
      if (
        patch.spec?.syncPolicy &&
        'automated' in patch.spec.syncPolicy &&
        patch.spec.syncPolicy.automated === null
      )
        app.autoSync = false;
      return send(res, 200, application());
    }
    if (req.path === `${base}/rollback` && req.method === 'POST') {
      // application.go#Rollback: auto-sync on → FailedPrecondition.
      if (app.autoSync)
        return send(res, 400, {
          error: 'rollback cannot be initiated when auto-sync is enabled',
          code: 9,
          message: 'rollback cannot be initiated when auto-sync is enabled',
        });
      if (!app.canSync)
        return send(res, 403, {
          error: 'cannot sync: blocked by sync window',
          code: 7,
          message: 'cannot sync: blocked by sync window',
        });
      const id = Number((req.json as { id?: unknown } | null)?.id);
      const entry = app.history.find((h) => h.id === id);
      if (!entry)
        return send(res, 400, {
          error: `application ${app.name} does not have deployment with id ${id}`,
          code: 3,
          message: `application ${app.name} does not have deployment with id ${id}`,
        });
      rollbacks.push(id);
      app.operationState = {
        phase: 'Running',
        startedAt: new Date().toISOString(),
        operation: { sync: { revision: entry.revision }, initiatedBy: { username: 'firebreak' } },
      };
      pending = { phase: state.nextRollback.phase, message: state.nextRollback.message };
      pollsLeft = state.nextRollback.polls;
      return send(res, 200, application());
    }
    return send(res, 404, { error: 'not found', code: 5, message: 'not found' });
  });

  return Object.assign(state, {
    url: server.url,
    close: server.close,
    token: options.token,
    requests,
    app,
    rollbacks,
  });
}
