// The team's side of the `webhook` rollback backend: verifies firebreak's signature, performs
// (records) a rollback once per Idempotency-Key, and answers the way it is told to.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type LocalServer, type Received, send, sleep, startLocalServer } from './server.js';

export type ReceiverMode =
  | { kind: 'succeed' }
  | { kind: 'fail'; message: string }
  | { kind: 'http'; status: number; body?: unknown }
  | { kind: 'hang'; ms: number }
  /** 202 with a statusUrl that says running `runningPolls` times, then the outcome. */
  | { kind: 'poll'; runningPolls: number; outcome: 'succeeded' | 'failed' }
  /** 202, then a signed POST of the outcome to the callbackUrl after `delayMs`. */
  | { kind: 'callback'; delayMs: number; outcome: 'succeeded' | 'failed' };

export interface ReceivedRollback {
  idempotencyKey: string;
  body: Record<string, unknown>;
}

export interface RollbackReceiver extends LocalServer {
  /** Every request, signed correctly or not. */
  readonly requests: (Received & { verified: boolean })[];
  /** Rollbacks performed: one per Idempotency-Key, signed correctly. */
  readonly rollbacks: ReceivedRollback[];
  mode: ReceiverMode;
  /** Resolves with the callback's HTTP status once the callback was sent. */
  readonly callbacks: Promise<number>[];
}

const sign = (secret: string, ts: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;

export async function startRollbackReceiver(secret: string): Promise<RollbackReceiver> {
  const requests: (Received & { verified: boolean })[] = [];
  const rollbacks: ReceivedRollback[] = [];
  const callbacks: Promise<number>[] = [];
  const polls = new Map<string, number>();
  let mode: ReceiverMode = { kind: 'succeed' };

  const verify = (req: Received) => {
    const ts = String(req.headers['x-firebreak-timestamp'] ?? '');
    const given = Buffer.from(String(req.headers['x-firebreak-signature'] ?? ''));
    const want = Buffer.from(sign(secret, ts, req.body));
    const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
    return fresh && given.length === want.length && timingSafeEqual(given, want);
  };

  const server = await startLocalServer(async (req, res) => {
    const verified = verify(req);
    requests.push({ ...req, verified });
    if (!verified) return send(res, 401, { message: 'bad signature' });

    if (req.method === 'GET' && req.path.startsWith('/status/')) {
      const key = decodeURIComponent(req.path.slice('/status/'.length));
      const seen = (polls.get(key) ?? 0) + 1;
      polls.set(key, seen);
      const m = mode;
      if (m.kind !== 'poll') return send(res, 404, { message: 'no such operation' });
      if (seen <= m.runningPolls) return send(res, 200, { status: 'running' });
      return send(res, 200, {
        status: m.outcome,
        message: m.outcome === 'failed' ? 'pods crash-looping after rollback' : 'rolled back',
        url: `${server.url}/runs/${encodeURIComponent(key)}`,
      });
    }

    const key = String(req.headers['idempotency-key'] ?? '');
    const body = (req.json ?? {}) as Record<string, unknown>;
    if (!rollbacks.some((r) => r.idempotencyKey === key))
      rollbacks.push({ idempotencyKey: key, body });
    const m = mode;
    switch (m.kind) {
      case 'succeed':
        return send(res, 200, {
          status: 'succeeded',
          message: 'rolled back',
          url: `${server.url}/runs/1`,
        });
      case 'fail':
        return send(res, 200, { status: 'failed', message: m.message });
      case 'http':
        return send(res, m.status, m.body ?? { message: 'internal error in the deployer' });
      case 'hang':
        await sleep(m.ms);
        return send(res, 200, { status: 'succeeded' });
      case 'poll':
        return send(res, 202, { statusUrl: `${server.url}/status/${encodeURIComponent(key)}` });
      case 'callback': {
        send(res, 202, { status: 'accepted' });
        const callbackUrl = String(body.callbackUrl ?? '');
        callbacks.push(
          (async () => {
            await sleep(m.delayMs);
            const payload = JSON.stringify({
              status: m.outcome,
              message: m.outcome === 'failed' ? 'deployer gave up' : 'rolled back by the deployer',
              url: `${server.url}/runs/cb`,
            });
            const ts = String(Math.floor(Date.now() / 1000));
            const answer = await fetch(callbackUrl, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-firebreak-timestamp': ts,
                'x-firebreak-signature': sign(secret, ts, payload),
              },
              body: payload,
            });
            return answer.status;
          })(),
        );
        return;
      }
      default:
        return m satisfies never;
    }
  });

  return {
    get url() {
      return server.url;
    },
    close: server.close,
    requests,
    rollbacks,
    callbacks,
    get mode() {
      return mode;
    },
    set mode(next: ReceiverMode) {
      mode = next;
    },
  };
}
