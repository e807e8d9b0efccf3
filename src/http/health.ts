import { sendJson } from './body.js';
import type { Route } from './server.js';

export interface HealthDeps {
  /** True when the database answers and every shipped migration is applied. */
  dbReady: () => boolean;
  isDraining: () => boolean;
}

export const healthRoutes = (deps: HealthDeps): Route[] => [
  // Liveness: the process answers. Never tied to Slack or the database, so a Slack outage
  // does not get the pod restarted in a loop.
  {
    method: 'GET',
    path: '/healthz',
    handler: async (_req, res) => sendJson(res, 200, { ok: true }),
  },
  {
    method: 'GET',
    path: '/readyz',
    handler: async (_req, res) => {
      let db = false;
      try {
        db = deps.dbReady();
      } catch {
        db = false;
      }
      const draining = deps.isDraining();
      const ready = db && !draining;
      sendJson(res, ready ? 200 : 503, { ready, db, draining });
    },
  },
];
