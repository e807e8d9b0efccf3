import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { argocdToDeploy } from '../../src/ingest/argocd.js';
import { fixtureText } from '../support/fixtures.js';

type Json = Record<string, unknown>;

const MANIFEST = join(import.meta.dirname, '../../manifests/argocd/firebreak-notifications.yaml');
const manifest = parseYaml(readFileSync(MANIFEST, 'utf8')) as { data: Record<string, string> };

// A synced Application as Argo CD holds it (v1alpha1 types: status.history, operationState).
const SHA_V1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SHA_V2 = 'f3937462080c6946ff5ec4b5fa393e7c22388e4c';
const application = (phase: string, extra: Json = {}): Json => ({
  metadata: {
    name: 'checkout-prod',
    namespace: 'argocd',
    labels: { 'firebreak/service': 'checkout', 'firebreak/environment': 'production' },
  },
  spec: {
    project: 'default',
    destination: { server: 'https://kubernetes.default.svc', namespace: 'checkout' },
  },
  status: {
    sync: { status: 'Synced', revision: SHA_V2 },
    health: { status: 'Healthy' },
    history: [
      { id: 4, revision: SHA_V1, deployedAt: '2026-11-22T09:00:00Z' },
      ...(phase === 'Succeeded'
        ? [{ id: 5, revision: SHA_V2, deployedAt: '2026-11-22T10:01:00Z' }]
        : []),
    ],
    operationState: {
      phase,
      message: phase === 'Failed' ? 'one or more objects failed to apply' : 'successfully synced',
      startedAt: '2026-11-22T10:00:00Z',
      ...(phase === 'Running' ? {} : { finishedAt: '2026-11-22T10:01:00Z' }),
      operation: { initiatedBy: { username: 'dana' }, sync: { revision: SHA_V2 } },
      syncResult: { revision: SHA_V2 },
    },
    ...extra,
  },
});

/**
 * Renders the template body the way Argo CD would for the only action it uses,
 * `{{toJson .path}}` (missing paths render as null, as Go's zero value does).
 */
function render(app: Json, context: Record<string, string>): unknown {
  const template = parseYaml(manifest.data['template.firebreak-deploy'] ?? '') as {
    webhook: { firebreak: { body: string; path: string; method: string } };
  };
  const root: Json = { app, context };
  const body = template.webhook.firebreak.body.replace(
    /\{\{\s*toJson\s+\.([\w.]+)\s*\}\}/g,
    (_, path: string) => {
      let value: unknown = root;
      for (const key of path.split('.')) value = (value as Json | undefined)?.[key];
      return JSON.stringify(value ?? null);
    },
  );
  expect(body).not.toContain('{{');
  return JSON.parse(body);
}

test('our triggers use the catalog conditions of on-deployed, on-sync-running and on-sync-failed', () => {
  const pairs = [
    ['on-firebreak-deployed', 'on-deployed'],
    ['on-firebreak-sync-running', 'on-sync-running'],
    ['on-firebreak-sync-failed', 'on-sync-failed'],
  ] as const;
  for (const [ours, catalog] of pairs) {
    const [mine] = parseYaml(manifest.data[`trigger.${ours}`] ?? '') as Json[];
    const [theirs] = parseYaml(fixtureText(`argocd/catalog/triggers/${catalog}.yaml`)) as Json[];
    expect(mine?.when).toBe(theirs?.when);
    expect(mine?.oncePer).toBe(theirs?.oncePer);
    expect(mine?.send).toEqual(['firebreak-deploy']);
  }
  const template = parseYaml(manifest.data['template.firebreak-deploy'] ?? '') as {
    webhook: { firebreak: { path: string; method: string } };
  };
  expect(template.webhook.firebreak).toMatchObject({ method: 'POST', path: '/webhooks/argocd' });
  expect(manifest.data['service.webhook.firebreak']).toContain('Bearer $firebreak-token');
});

test('a rendered on-deployed notification is a succeeded deploy with the history id to roll back to', () => {
  const body = render(application('Succeeded'), {
    argocdUrl: 'https://argocd.example.com/',
    environment: 'staging',
  });
  const deploy = argocdToDeploy(body);
  expect(deploy).toMatchObject({
    source: 'argocd',
    sourceId: 'argocd/checkout-prod@2026-11-22T10:00:00Z',
    serviceNames: ['checkout', 'checkout-prod'],
    // The label wins over context.environment and the destination namespace.
    environment: 'production',
    status: 'succeeded',
    version: SHA_V2.slice(0, 12),
    previousVersion: SHA_V1.slice(0, 12),
    sha: SHA_V2,
    actor: 'dana',
    url: 'https://argocd.example.com/applications/checkout-prod',
    rollbackHandle: { app: 'checkout-prod', historyId: '5', appNamespace: 'argocd' },
  });
  expect(deploy.finishedAt?.toISOString()).toBe('2026-11-22T10:01:00.000Z');
});

test('running and failed syncs carry no rollback handle; failed is a failed deploy', () => {
  const running = argocdToDeploy(render(application('Running'), {}));
  expect(running).toMatchObject({ status: 'started', rollbackHandle: null, finishedAt: null });
  expect(running.previousVersion).toBe(SHA_V1.slice(0, 12));
  const failed = argocdToDeploy(render(application('Failed'), {}));
  expect(failed).toMatchObject({ status: 'failed', rollbackHandle: null });
  // Same operation (same startedAt): one deploy whose status moves on.
  expect(failed.sourceId).toBe(running.sourceId);
});

test('without labels the app name and context/namespace name the service and environment', () => {
  const app = application('Succeeded');
  (app.metadata as Json).labels = undefined;
  const withContext = argocdToDeploy(render(app, { environment: 'staging' }));
  expect(withContext).toMatchObject({ serviceNames: ['checkout-prod'], environment: 'staging' });
  const withNamespace = argocdToDeploy(render(app, {}));
  expect(withNamespace.environment).toBe('checkout');
});

test('auto-sync deploys say so; a helm chart version is kept as the version', () => {
  const app = application('Succeeded');
  const status = app.status as Json;
  const op = status.operationState as Json;
  op.operation = { initiatedBy: { automated: true } };
  op.syncResult = { revision: '1.4.2' };
  status.history = [{ id: 9, revision: '1.4.2' }];
  expect(argocdToDeploy(render(app, {}))).toMatchObject({
    actor: 'argocd (auto-sync)',
    version: '1.4.2',
    sha: null,
    rollbackHandle: { historyId: '9' },
  });
});

test('a body without an operation state is a 400-style ZodError naming it', () => {
  expect(() => argocdToDeploy({ app: 'x' })).toThrow(ZodError);
  expect(() =>
    argocdToDeploy({ app: 'x', operationState: { phase: 'Weird', startedAt: 'now' } }),
  ).toThrow(/unknown phase/);
});
