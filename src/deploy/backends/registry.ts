import type { RollbackBackendConfig, ServiceConfig } from '../../config.js';
import type { BackendResolver, RollbackBackend } from '../backend.js';
import { argocdBackend } from './argocd.js';
import { commandBackend } from './command.js';
import { githubBackend } from './github.js';
import { webhookBackend } from './webhook.js';

export function createBackend(
  config: RollbackBackendConfig,
  deps: { now: () => Date },
): RollbackBackend {
  switch (config.backend) {
    case 'webhook':
      return webhookBackend(
        {
          url: config.url,
          secret: config.secret,
          timeoutMs: config.timeout,
          waitForMs: config.waitFor,
          pollIntervalMs: config.pollInterval,
        },
        deps,
      );
    case 'command':
      return commandBackend({
        argv: config.argv,
        timeoutMs: config.timeout,
        cwd: config.cwd,
        env: config.env,
      });
    case 'github':
      return githubBackend(
        {
          repo: config.repo,
          workflow: config.workflow,
          ref: config.ref,
          token: config.token,
          apiUrl: config.apiUrl,
          inputs: config.inputs,
          timeoutMs: config.timeout,
          waitForMs: config.waitFor,
          pollIntervalMs: config.pollInterval,
        },
        deps,
      );
    case 'argocd':
      return argocdBackend(
        {
          url: config.url,
          app: config.app,
          appNamespace: config.appNamespace,
          project: config.project,
          token: config.token,
          disableAutoSync: config.disableAutoSync,
          timeoutMs: config.timeout,
          waitForMs: config.waitFor,
          pollIntervalMs: config.pollInterval,
        },
        deps,
      );
    default:
      return config satisfies never;
  }
}

/** One backend per configured service+environment, built once at start (templates were checked by the config). */
export function createBackendResolver(
  services: Readonly<Record<string, ServiceConfig>>,
  deps: { now: () => Date },
): {
  resolve: BackendResolver;
  webhookSecret(service: string, environment: string): string | null;
} {
  const built = new Map<string, { backend: RollbackBackend; config: RollbackBackendConfig }>();
  for (const [service, entry] of Object.entries(services)) {
    for (const [environment, env] of Object.entries(entry.environments)) {
      if (!env.rollback) continue;
      built.set(`${service}\u0000${environment}`, {
        backend: createBackend(env.rollback, deps),
        config: env.rollback,
      });
    }
  }
  return {
    resolve: (service, environment) => built.get(`${service}\u0000${environment}`)?.backend ?? null,
    webhookSecret(service, environment) {
      const config = built.get(`${service}\u0000${environment}`)?.config;
      return config?.backend === 'webhook' ? config.secret : null;
    },
  };
}
