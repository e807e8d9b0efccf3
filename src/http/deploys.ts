import { z } from 'zod';
import type { DeployIntake, DeployReceipt } from '../deploy/intake.js';
import type { Rollbacks } from '../deploy/rollback.js';
import { argocdToDeploy } from '../ingest/argocd.js';
import { genericToDeploy, type NormalizedDeploy } from '../ingest/deploy.js';
import { githubDeploymentStatusToDeploy } from '../ingest/github-deploy.js';
import { hmacHex, requireToken, safeEqual } from './auth.js';
import { HttpError, parseJson, readBody, sendJson } from './body.js';
import type { Route, RouteHandler } from './server.js';

// GitHub caps webhook payloads at 25 MB, but a deployment_status is ~15 KB; 1 MiB is plenty.
export const DEPLOY_BODY_LIMIT = 1024 * 1024;

export interface DeployRouteDeps {
  intake: DeployIntake;
  rollbacks: Rollbacks;
  ingestToken: string | undefined;
  githubWebhookSecret: string | undefined;
  /** The secret that signs a rollback's receiver callback (its webhook backend's), or null. */
  callbackSecret: (rollbackId: number) => Promise<string | null>;
  verifyCallback: (
    secret: string,
    headers: { timestamp?: string; signature?: string },
    body: string,
  ) => boolean;
}

function answer(receipt: DeployReceipt): [number, Record<string, unknown>] {
  if (receipt.duplicate) return [200, { duplicate: true }];
  return [
    202,
    {
      accepted: true,
      deployId: receipt.deployId,
      service: receipt.service,
      serviceKnown: receipt.serviceKnown,
      ...(receipt.serviceKnown
        ? {}
        : { note: `service "${receipt.service}" is not in firebreak.yaml; kept as unmapped` }),
      status: receipt.status,
      incidents: receipt.incidents,
    },
  ];
}

/** Bearer-authenticated JSON → normalizer → intake; 202 once committed. */
const bearerDeploys =
  (normalize: (body: unknown) => NormalizedDeploy, deps: DeployRouteDeps): RouteHandler =>
  async (req, res) => {
    requireToken(req, deps.ingestToken, 'INGEST_TOKEN');
    const deploy = normalize(parseJson(await readBody(req, DEPLOY_BODY_LIMIT)));
    const [status, body] = answer(await deps.intake.receive(deploy));
    sendJson(res, status, body);
  };

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** GitHub: HMAC over the raw body, constant-time; a delivery id is processed once. */
const githubWebhook =
  (deps: DeployRouteDeps): RouteHandler =>
  async (req, res) => {
    const secret = deps.githubWebhookSecret;
    if (!secret) {
      req.resume();
      throw new HttpError(404, 'GITHUB_WEBHOOK_SECRET is not set, so /webhooks/github is off');
    }
    const raw = await readBody(req, DEPLOY_BODY_LIMIT);
    const given = header(req.headers['x-hub-signature-256']) ?? '';
    if (!given || !safeEqual(given, `sha256=${hmacHex(secret, raw)}`)) {
      throw new HttpError(401, 'missing or wrong X-Hub-Signature-256');
    }
    const event = header(req.headers['x-github-event']) ?? '';
    if (event === 'ping') return sendJson(res, 200, { ok: true });
    if (event !== 'deployment_status') return sendJson(res, 202, { ignored: true, event });
    const delivery = header(req.headers['x-github-delivery']);
    const deploy = githubDeploymentStatusToDeploy(parseJson(raw));
    if (!deploy)
      return sendJson(res, 202, {
        ignored: true,
        reason: 'not a deploy status (inactive or a lock task)',
      });
    const receipt = await deps.intake.receive(
      deploy,
      delivery ? { delivery: { source: 'github', id: delivery } } : {},
    );
    const [status, body] = answer(receipt);
    sendJson(res, status, body);
  };

const CallbackBody = z.object({
  status: z.enum(['succeeded', 'success', 'failed', 'failure', 'error']),
  message: z.string().max(2000).nullish(),
  url: z.url().max(2000).nullish(),
  output: z.string().max(20_000).nullish(),
});

/** A rollback receiver reporting the outcome (webhook backend, asynchronous mode). */
const rollbackCallback =
  (deps: DeployRouteDeps): RouteHandler =>
  async (req, res, params) => {
    const id = Number(params.id);
    const raw = await readBody(req, 64 * 1024);
    const secret = Number.isInteger(id) && id > 0 ? await deps.callbackSecret(id) : null;
    const signed =
      secret !== null &&
      deps.verifyCallback(
        secret,
        {
          timestamp: header(req.headers['x-firebreak-timestamp']),
          signature: header(req.headers['x-firebreak-signature']),
        },
        raw.toString('utf8'),
      );
    // One answer for "no such rollback" and "bad signature": ids are not secrets to probe.
    if (!signed) throw new HttpError(401, 'missing or wrong X-Firebreak-Signature');
    const body = CallbackBody.parse(parseJson(raw));
    const ok = body.status === 'succeeded' || body.status === 'success';
    const changed = await deps.rollbacks.report(
      id,
      ok
        ? {
            status: 'succeeded',
            url: body.url ?? null,
            output: body.output ?? null,
            detail: body.message ?? null,
          }
        : {
            status: 'failed',
            reason: body.message ?? 'the receiver reported the rollback failed',
            url: body.url ?? null,
            output: body.output ?? null,
          },
    );
    sendJson(res, 200, { recorded: changed });
  };

export const deployRoutes = (deps: DeployRouteDeps): Route[] => [
  {
    method: 'POST',
    path: '/webhooks/github',
    refuseWhileDraining: true,
    handler: githubWebhook(deps),
  },
  {
    method: 'POST',
    path: '/webhooks/argocd',
    refuseWhileDraining: true,
    handler: bearerDeploys(argocdToDeploy, deps),
  },
  {
    method: 'POST',
    path: '/webhooks/deploys',
    refuseWhileDraining: true,
    handler: bearerDeploys(genericToDeploy, deps),
  },
  {
    method: 'POST',
    path: '/webhooks/rollbacks/:id',
    refuseWhileDraining: true,
    handler: rollbackCallback(deps),
  },
];
