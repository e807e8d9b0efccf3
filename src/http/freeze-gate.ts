import type { IncomingMessage } from 'node:http';
import type { Freezes } from '../deploy/freezes.js';
import type { Freeze } from '../domain/freeze.js';
import { requireToken } from './auth.js';
import { HttpError, sendJson } from './body.js';
import type { Route, RouteHandler } from './server.js';

// What CI asks before deploying. Cheap on purpose (one indexed read of the active freezes), and
// never cached by a proxy: a freeze must stop the very next pipeline.

export interface GateDeps {
  freezes: Freezes;
  /** Maps a name CI uses (repository, alias) to the configured service. */
  resolveService: (name: string) => string;
  defaultEnvironment: string;
  /** "open": anyone who can reach the bot may ask; "token": bearer API_TOKEN. */
  auth: 'open' | 'token';
  apiToken: string | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const NO_STORE = { 'cache-control': 'no-store' };

function target(req: IncomingMessage, url: URL, deps: GateDeps) {
  if (deps.auth === 'token') requireToken(req, deps.apiToken, 'API_TOKEN');
  const service = url.searchParams.get('service')?.trim() ?? '';
  const environment = url.searchParams.get('environment')?.trim() || deps.defaultEnvironment;
  if (!NAME.test(service))
    throw new HttpError(400, 'service= is required (a service name or alias)', {
      problems: [{ path: 'service', message: 'required' }],
    });
  if (!NAME.test(environment))
    throw new HttpError(400, 'environment= is not a valid name', {
      problems: [{ path: 'environment', message: 'invalid' }],
    });
  return { service: deps.resolveService(service), environment: environment.toLowerCase() };
}

const freezeJson = (f: Freeze) => ({
  id: f.id,
  services: f.services,
  environments: f.environments,
  reason: f.reason,
  createdBy: f.createdBy,
  createdAt: f.createdAt.toISOString(),
  expiresAt: f.expiresAt.toISOString(),
  incident: f.incidentId,
  blocksRollbacks: f.blocksRollbacks,
});

const freezeStatus =
  (deps: GateDeps): RouteHandler =>
  async (req, res, _params, url) => {
    const { service, environment } = target(req, url, deps);
    const gate = await deps.freezes.gate(service, environment);
    sendJson(
      res,
      200,
      { frozen: !gate.allowed, service, environment, freezes: gate.freezes.map(freezeJson) },
      NO_STORE,
    );
  };

const deployGate =
  (deps: GateDeps): RouteHandler =>
  async (req, res, _params, url) => {
    const { service, environment } = target(req, url, deps);
    const gate = await deps.freezes.gate(service, environment);
    if (gate.allowed) return sendJson(res, 200, { allowed: true, service, environment }, NO_STORE);
    const first = gate.freezes[0] as Freeze;
    sendJson(
      res,
      423,
      {
        allowed: false,
        service,
        environment,
        reason: first.reason,
        retryAfter: gate.retryAfterSeconds,
        freezes: gate.freezes.map(freezeJson),
      },
      { ...NO_STORE, 'retry-after': String(gate.retryAfterSeconds) },
    );
  };

export const freezeGateRoutes = (deps: GateDeps): Route[] => [
  { method: 'GET', path: '/api/v1/freeze-status', handler: freezeStatus(deps) },
  { method: 'GET', path: '/api/v1/gates/deploy', handler: deployGate(deps) },
];
