import { z } from 'zod';
import type { DeployStatus, NormalizedDeploy } from './deploy.js';

// The body our Argo CD notifications template renders (manifests/argocd/firebreak-notifications.yaml):
// parts of the Application object passed through `toJson`, so the shapes are Argo CD's own
// (pkg/apis/application/v1alpha1/types.go). Argo CD cannot sign a webhook, so the route
// authenticates with a bearer token instead.

const OptionalText = z.string().nullish();
const Time = z.string().nullish();

const HistoryEntry = z.object({
  id: z.coerce.number().int(),
  revision: OptionalText,
  revisions: z.array(z.string()).nullish(),
  deployedAt: Time,
  deployStartedAt: Time,
});

export const ArgoCdNotification = z.object({
  app: z.string().trim().min(1).max(253),
  appNamespace: OptionalText,
  project: OptionalText,
  labels: z.record(z.string(), z.string()).nullish(),
  destination: z
    .object({ server: OptionalText, name: OptionalText, namespace: OptionalText })
    .nullish(),
  operationState: z.object({
    phase: z.string(),
    message: OptionalText,
    startedAt: z.string(),
    finishedAt: Time,
    operation: z
      .object({
        initiatedBy: z
          .object({ username: OptionalText, automated: z.boolean().nullish() })
          .nullish(),
        sync: z
          .object({ revision: OptionalText, revisions: z.array(z.string()).nullish() })
          .nullish(),
      })
      .nullish(),
    syncResult: z
      .object({ revision: OptionalText, revisions: z.array(z.string()).nullish() })
      .nullish(),
  }),
  health: z.object({ status: OptionalText }).nullish(),
  history: z.array(HistoryEntry).nullish(),
  argocdUrl: OptionalText,
  environment: OptionalText,
});

const PHASE: Record<string, DeployStatus> = {
  Running: 'started',
  Terminating: 'started',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Error: 'failed',
};

/** Labels on the Application that name the firebreak service and environment explicitly. */
export const SERVICE_LABEL = 'firebreak/service';
export const ENVIRONMENT_LABEL = 'firebreak/environment';

const nonEmpty = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);
const time = (v: string | null | undefined): Date | null => {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};
const isSha = (v: string) => /^[0-9a-f]{40}$/i.test(v);
const versionOf = (revision: string) => (isSha(revision) ? revision.slice(0, 12) : revision);

export function argocdToDeploy(body: unknown): NormalizedDeploy {
  const n = ArgoCdNotification.parse(body);
  const op = n.operationState;
  const status = PHASE[op.phase];
  if (!status)
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['operationState', 'phase'],
        message: `unknown phase "${op.phase}" (expected Running, Succeeded, Failed or Error)`,
        input: op.phase,
      },
    ]);
  const revision =
    nonEmpty(op.syncResult?.revision) ??
    nonEmpty(op.syncResult?.revisions?.[0]) ??
    nonEmpty(op.operation?.sync?.revision) ??
    nonEmpty(op.operation?.sync?.revisions?.[0]) ??
    'unknown';
  const history = n.history ?? [];
  // After a successful sync Argo CD appends the deployed revision to the history; its id is
  // what a later rollback to this deploy names.
  const entryIndex = history.findLastIndex(
    (h) => h.revision === revision || (h.revisions ?? []).includes(revision),
  );
  const entry = status === 'succeeded' && entryIndex >= 0 ? history[entryIndex] : undefined;
  const before = entry ? history[entryIndex - 1] : history[history.length - 1];
  const previous = nonEmpty(before?.revision ?? before?.revisions?.[0]);
  const labels = n.labels ?? {};
  const initiatedBy = op.operation?.initiatedBy;
  const base = nonEmpty(n.argocdUrl)?.replace(/\/+$/, '');
  return {
    source: 'argocd',
    sourceId: `${n.appNamespace ?? ''}/${n.app}@${op.startedAt}`,
    serviceNames: [labels[SERVICE_LABEL], n.app].filter((s): s is string => Boolean(s?.trim())),
    environment:
      nonEmpty(labels[ENVIRONMENT_LABEL]) ??
      nonEmpty(n.environment) ??
      nonEmpty(n.destination?.namespace),
    status,
    version: versionOf(revision),
    previousVersion: previous && previous !== revision ? versionOf(previous) : null,
    sha: isSha(revision) ? revision.toLowerCase() : null,
    compareUrl: null,
    actor: initiatedBy?.automated ? 'argocd (auto-sync)' : nonEmpty(initiatedBy?.username),
    url: base ? `${base}/applications/${n.app}` : null,
    rollbackHandle: entry
      ? {
          app: n.app,
          historyId: String(entry.id),
          ...(n.appNamespace ? { appNamespace: n.appNamespace } : {}),
        }
      : null,
    isRollback: false,
    startedAt: time(op.startedAt),
    finishedAt: status === 'started' ? null : time(op.finishedAt),
    commitAt: null,
  };
}
