import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { IncidentGate } from '../deploy/incident-gate.js';
import { requireToken, safeEqual } from './auth.js';
import { HttpError, readJson, sendJson } from './body.js';
import {
  fixRequest,
  type GateDeps,
  gateTarget,
  INCIDENT_RETRY_SECONDS,
  incidentFields,
  incidentReason,
} from './freeze-gate.js';
import type { Route, RouteHandler } from './server.js';

// The incident check for a rollout already in flight: Argo Rollouts measures it with its web
// provider, Flagger calls it as a pre-rollout / rollout webhook. 200 while no incident of
// deploys.gateBlocksOnIncident or worse is open on the service and environment, 423 while one
// is. Freezes are not consulted: a freeze stops new deploys, it does not abort a canary.

export interface AnalysisGateDeps
  extends Pick<GateDeps, 'resolveService' | 'defaultEnvironment' | 'auth' | 'apiToken'> {
  incidents: IncidentGate;
}

const NO_STORE = { 'cache-control': 'no-store' };
const MAX_BODY = 64 * 1024;

// Flagger's webhook body: it cannot send headers, so the token may ride in metadata.token.
// Everything else in it is ignored.
const FlaggerBody = z
  .object({ metadata: z.record(z.string(), z.unknown()).nullish() })
  .loose()
  .nullish();

/**
 * The token is needed with gateAuth "token", and for a fix pass whatever gateAuth says (a pass
 * is recorded and posted: a write). It comes as a bearer header, or in Flagger's body.
 */
async function authorize(
  req: IncomingMessage,
  deps: AnalysisGateDeps,
  writes: boolean,
): Promise<void> {
  let token: unknown;
  if (req.method === 'POST') {
    const parsed = FlaggerBody.safeParse(await readJson(req, MAX_BODY));
    if (!parsed.success)
      throw new HttpError(400, 'the body must be a JSON object (Flagger’s webhook payload)');
    token = parsed.data?.metadata?.token;
  }
  if (deps.auth !== 'token' && !writes) return;
  if (!req.headers.authorization && typeof token === 'string') {
    if (!deps.apiToken || !safeEqual(token, deps.apiToken))
      throw new HttpError(401, 'missing or wrong credentials');
    return;
  }
  requireToken(req, deps.apiToken, 'API_TOKEN');
}

const analysisGate =
  (deps: AnalysisGateDeps): RouteHandler =>
  async (req, res, _params, url) => {
    const fix = fixRequest(url);
    await authorize(req, deps, fix !== null);
    const where = gateTarget(url, deps);
    const mode = url.searchParams.get('answer') ?? '';
    if (mode !== '' && mode !== 'json')
      throw new HttpError(
        400,
        'answer= takes "json" (always 200, verdict in `allowed`) or nothing',
      );
    const answer = await deps.incidents.check(where, fix);
    const body = {
      allowed: answer.allowed,
      ...where,
      reason: answer.allowed ? null : incidentReason(answer.blocking),
      ...incidentFields(answer),
    };
    // Argo's web provider counts any non-2xx as an error, not a failure; `answer=json` keeps the
    // status at 200 so its successCondition on `allowed` fails the measurement at once.
    const always200 = mode === 'json';
    if (answer.allowed || always200) return sendJson(res, 200, body, NO_STORE);
    sendJson(res, 423, body, { ...NO_STORE, 'retry-after': String(INCIDENT_RETRY_SECONDS) });
  };

export const analysisGateRoutes = (deps: AnalysisGateDeps): Route[] => [
  { method: 'GET', path: '/api/v1/gates/analysis', handler: analysisGate(deps) },
  { method: 'POST', path: '/api/v1/gates/analysis', handler: analysisGate(deps) },
];
