import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RollbackBackend, RollbackProgress, RollbackRequest } from '../backend.js';
import { asRecord, asString, BackendError, call, describeStatus } from './http.js';

// A signed POST to a receiver the team runs. The signature covers the timestamp and the exact
// body (`sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))`), so a captured request
// cannot be replayed later or altered. The receiver answers:
//   200/201 {"status":"succeeded"|"failed", "message"?, "url"?}   done
//   202 {"statusUrl"?, "url"?}   accepted: firebreak polls statusUrl (GET, signed over an empty
//                                body) or waits for a POST to the callbackUrl it was given.

export const SIGNATURE_HEADER = 'x-firebreak-signature';
export const TIMESTAMP_HEADER = 'x-firebreak-timestamp';
/** Requests older (or newer) than this are refused by a careful receiver, and by us. */
export const SIGNATURE_TOLERANCE_S = 300;

export interface WebhookBackendConfig {
  url: string;
  secret: string;
  timeoutMs: number;
  waitForMs: number;
  pollIntervalMs: number;
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Verifies a request signed the same way (the receiver's callback to us). */
export function verifySignature(
  secret: string,
  headers: { timestamp?: string | undefined; signature?: string | undefined },
  body: string,
  now: Date,
): boolean {
  const { timestamp, signature: given } = headers;
  if (!timestamp || !given || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) return false;
  const want = Buffer.from(signature(secret, timestamp, body));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got);
}

const STATUS: Record<string, 'succeeded' | 'failed' | 'running'> = {
  succeeded: 'succeeded',
  success: 'succeeded',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  running: 'running',
  accepted: 'running',
  pending: 'running',
  in_progress: 'running',
};

/** Reads a receiver's `{status, message, url}` answer. */
export function readResult(json: unknown, fallback: 'succeeded' | 'running'): RollbackProgress {
  const body = asRecord(json);
  const status = STATUS[String(body.status ?? '').toLowerCase()] ?? fallback;
  const url = asString(body.url);
  const message = asString(body.message);
  if (status === 'failed')
    return { status, reason: message ?? 'the receiver reported the rollback failed', url };
  if (status === 'succeeded')
    return { status, url, detail: message, output: asString(body.output) };
  return { status, operation: {}, url, detail: message };
}

export function webhookBackend(
  config: WebhookBackendConfig,
  deps: { now: () => Date },
): RollbackBackend {
  const host = new URL(config.url).host;

  function signedHeaders(body: string, request: RollbackRequest): Record<string, string> {
    const timestamp = String(Math.floor(deps.now().getTime() / 1000));
    return {
      'content-type': 'application/json',
      'user-agent': 'firebreak',
      'x-firebreak-event': 'rollback',
      'x-firebreak-delivery': randomUUID(),
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signature(config.secret, timestamp, body),
      'idempotency-key': request.idempotencyKey,
    };
  }

  async function start(request: RollbackRequest): Promise<RollbackProgress> {
    const body = JSON.stringify({
      type: 'rollback',
      rollbackId: request.rollbackId,
      idempotencyKey: request.idempotencyKey,
      service: request.service,
      environment: request.environment,
      incident: request.incidentId,
      requestedBy: request.requestedBy,
      from: request.from,
      to: request.to,
      callbackUrl: request.callbackUrl,
    });
    const answer = await call(config.url, {
      method: 'POST',
      headers: signedHeaders(body, request),
      body,
      timeoutMs: config.timeoutMs,
    });
    if (answer.status < 200 || answer.status >= 300)
      throw new BackendError(describeStatus(`The rollback receiver at ${host}`, answer));
    if (answer.status !== 202) return readResult(answer.json, 'succeeded');
    const result = readResult(answer.json, 'running');
    if (result.status !== 'running') return result;
    const statusUrl = asString(asRecord(answer.json).statusUrl);
    if (statusUrl) return { ...result, operation: { statusUrl } };
    if (request.callbackUrl) return { ...result, operation: { awaiting: 'callback' } };
    // Nothing to follow it by: say what we know rather than claim an outcome later.
    return {
      status: 'succeeded',
      url: result.url,
      detail: `${host} accepted the rollback; it gave no status URL and firebreak has no PUBLIC_URL for a callback, so its outcome is not followed.`,
    };
  }

  async function poll(request: RollbackRequest, operation: Record<string, unknown>) {
    const statusUrl = asString(operation.statusUrl);
    if (!statusUrl) return { status: 'running', operation } as const; // waiting for the callback
    const answer = await call(statusUrl, {
      method: 'GET',
      headers: signedHeaders('', request),
      timeoutMs: config.timeoutMs,
    });
    if (answer.status < 200 || answer.status >= 300)
      throw new BackendError(
        describeStatus(`The rollback status at ${new URL(statusUrl).host}`, answer),
      );
    const result = readResult(answer.json, 'running');
    return result.status === 'running' ? { ...result, operation } : result;
  }

  return {
    kind: 'webhook',
    label: `webhook ${host}`,
    waitForMs: config.waitForMs,
    pollIntervalMs: config.pollIntervalMs,
    // Receivers dedupe on the Idempotency-Key, so sending it again after a crash is safe.
    idempotentStart: true,
    validate: () => {},
    start,
    poll,
  };
}
