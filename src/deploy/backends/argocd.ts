import type { RollbackBackend, RollbackProgress, RollbackRequest } from '../backend.js';
import { fill } from '../template.js';
import { asRecord, asString, BackendError, call, describeStatus } from './http.js';

// Argo CD REST (server/application/application.proto): roll the Application back to a history
// id. Argo CD refuses a rollback while auto-sync is on (FailedPrecondition), and its controller
// blocks any operation inside a deny sync window, so we ask `syncwindows` first and, when
// configured, turn auto-sync off (it stays off: turning it on again would undo the rollback
// until the fix is in Git). Then follow `status.operationState` to the end.

export interface ArgocdBackendConfig {
  url: string;
  app: string;
  appNamespace?: string;
  project?: string;
  token: string;
  disableAutoSync: boolean;
  timeoutMs: number;
  waitForMs: number;
  pollIntervalMs: number;
}

// Operation states older than our request (minus clock skew) belong to an earlier operation.
const SKEW_MS = 5_000;

export function argocdBackend(
  config: ArgocdBackendConfig,
  deps: { now: () => Date },
): RollbackBackend {
  const base = config.url.replace(/\/+$/, '');
  const appUrl = `${base}/api/v1/applications/${encodeURIComponent(config.app)}`;
  const query = config.appNamespace
    ? `?appNamespace=${encodeURIComponent(config.appNamespace)}`
    : '';
  const headers = {
    authorization: `Bearer ${config.token}`,
    'content-type': 'application/json',
    'user-agent': 'firebreak',
  };
  const uiUrl = `${base}/applications/${config.app}`;
  const scope = {
    name: config.app,
    ...(config.appNamespace ? { appNamespace: config.appNamespace } : {}),
    ...(config.project ? { project: config.project } : {}),
  };

  async function send(method: string, url: string, body?: unknown) {
    const answer = await call(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: config.timeoutMs,
    });
    if (answer.status < 200 || answer.status >= 300)
      throw new BackendError(describeStatus(`Argo CD (${config.app})`, answer));
    return asRecord(answer.json);
  }

  const historyId = (request: RollbackRequest) => Number(fill('{{history_id}}', request));

  async function start(request: RollbackRequest): Promise<RollbackProgress> {
    const id = historyId(request);
    const windows = await send('GET', `${appUrl}/syncwindows${query}`);
    if (windows.canSync === false) {
      const active = Array.isArray(windows.activeWindows) ? windows.activeWindows.length : 0;
      return {
        status: 'failed',
        reason: `an Argo CD sync window blocks syncing ${config.app} now (${active} active window${active === 1 ? '' : 's'}); roll back when it allows, or in Argo CD with an override`,
        url: uiUrl,
      };
    }
    const app = await send('GET', `${appUrl}${query}`);
    // `automated` present (and not explicitly disabled, Argo CD ≥ 3.1's `enabled: false`) = auto-sync.
    const policy = asRecord(asRecord(app.spec).syncPolicy);
    const autoSync =
      policy.automated !== undefined &&
      policy.automated !== null &&
      asRecord(policy.automated).enabled !== false;
    let detail: string | null = null;
    if (autoSync) {
      if (!config.disableAutoSync) {
        return {
          status: 'failed',
          reason: `auto-sync is on for ${config.app}, and Argo CD refuses rollbacks while it is (set disableAutoSync: true to let firebreak turn it off)`,
          url: uiUrl,
        };
      }
      await send('PATCH', appUrl, {
        ...scope,
        patchType: 'merge',
        patch: JSON.stringify({ spec: { syncPolicy: { automated: null } } }),
      });
      detail = `turned off auto-sync on ${config.app}; turn it on again once the fix is in Git`;
    }
    const requestedAt = deps.now();
    await send('POST', `${appUrl}/rollback`, { ...scope, id, dryRun: false, prune: false });
    return {
      status: 'running',
      operation: { requestedAt: requestedAt.toISOString(), historyId: id, autoSyncOff: autoSync },
      url: uiUrl,
      detail: detail ?? `rolling ${config.app} back to history ${id}`,
    };
  }

  async function poll(_request: RollbackRequest, operation: Record<string, unknown>) {
    const app = await send('GET', `${appUrl}${query}`);
    const op = asRecord(asRecord(app.status).operationState);
    const startedAt = new Date(String(op.startedAt ?? 0)).getTime();
    const requestedAt = new Date(String(operation.requestedAt)).getTime();
    if (!op.phase || startedAt < requestedAt - SKEW_MS)
      return { status: 'running', operation, url: uiUrl } as const;
    const message = asString(op.message);
    switch (op.phase) {
      case 'Succeeded':
        return {
          status: 'succeeded',
          url: uiUrl,
          output: message,
          detail: operation.autoSyncOff
            ? `auto-sync on ${config.app} is off; turn it on again once the fix is in Git`
            : null,
        } as const;
      case 'Failed':
      case 'Error':
        return {
          status: 'failed',
          reason: `Argo CD: ${message ?? `operation ${String(op.phase).toLowerCase()}`}`,
          url: uiUrl,
        } as const;
      default:
        return { status: 'running', operation, url: uiUrl } as const;
    }
  }

  return {
    kind: 'argocd',
    label: `Argo CD ${config.app}`,
    waitForMs: config.waitForMs,
    pollIntervalMs: config.pollIntervalMs,
    // Rolling back to the same history id twice ends in the same state.
    idempotentStart: true,
    validate: (request) => void historyId(request),
    start,
    poll,
  };
}
