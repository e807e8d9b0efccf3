import { parsePagerDutyWebhook } from '../ingest/pagerduty.js';
import type { PagerDutyEvent } from '../ingest/pagerduty-events.js';
import type { InboundResult } from '../paging/inbound.js';
import { hmacHex, safeEqual } from './auth.js';
import { HttpError, parseJson, readBody, sendJson } from './body.js';
import type { Route } from './server.js';

// PagerDuty guarantees deliveries up to 55 KB and drops anything above 256 KB.
export const PAGERDUTY_BODY_LIMIT = 256 * 1024;

/**
 * `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`, one value per secret PagerDuty holds; the
 * request is genuine when any value matches any of our secrets (rotation works both ways).
 * HMAC-SHA256 over the raw body, compared in constant time.
 */
export function verifyPagerDutySignature(
  raw: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!header || secrets.length === 0) return false;
  const presented = header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='));
  const expected = secrets.map((secret) => `v1=${hmacHex(secret, raw)}`);
  let ok = false;
  // Every pair is compared, so the time taken does not tell which one matched.
  for (const got of presented) for (const want of expected) ok = safeEqual(got, want) || ok;
  return ok;
}

export interface PagerDutyRouteDeps {
  /** Comma-separated PAGERDUTY_WEBHOOK_SECRET; empty turns the route off. */
  secrets: readonly string[];
  receive: (event: PagerDutyEvent, deliveryId: string | null) => Promise<InboundResult>;
}

/** POST /webhooks/pagerduty: verify, parse, apply and commit, then answer (PagerDuty waits 5 s). */
export function pagerDutyRoutes(deps: PagerDutyRouteDeps): Route[] {
  if (deps.secrets.length === 0) return [];
  return [
    {
      method: 'POST',
      path: '/webhooks/pagerduty',
      refuseWhileDraining: true,
      handler: async (req, res) => {
        const raw = await readBody(req, PAGERDUTY_BODY_LIMIT);
        const header = req.headers['x-pagerduty-signature'];
        if (
          !verifyPagerDutySignature(
            raw,
            Array.isArray(header) ? header.join(',') : header,
            deps.secrets,
          )
        )
          throw new HttpError(401, 'missing or wrong X-PagerDuty-Signature');
        const event = parsePagerDutyWebhook(parseJson(raw));
        const webhookId = req.headers['x-webhook-id'];
        const result = await deps.receive(
          event,
          typeof webhookId === 'string' && webhookId ? webhookId : null,
        );
        sendJson(res, result.outcome === 'duplicate' ? 200 : 202, result);
      },
    },
  ];
}
