import type { IncomingMessage, RequestListener } from 'node:http';
import { hmacHex, safeEqual } from './auth.js';
import { sendJson } from './body.js';

// Bolt refuses requests signed more than 5 minutes ago, so a captured request can be sent again
// (and act again: another note, another incident, another freeze) for those 5 minutes. This
// guard remembers every correctly signed request for that window and refuses a second copy.
// It also refuses timestamps more than 5 minutes ahead, which Bolt accepts: a request signed
// "in the future" would otherwise stay replayable for as long as its timestamp is ahead.
//
// Slack never sends the same signature twice on purpose: slash commands and interactivity are
// not retried, and an Events API retry is signed again with its own timestamp (its last retry
// comes ~5 minutes after the first try, which Bolt's staleness check would otherwise refuse);
// a retried event is deduplicated by its event_id (src/slack/listeners.ts).

/** How far a request's timestamp may be from now, either way (Bolt's window for the past). */
export const SLACK_REQUEST_WINDOW_S = 5 * 60;
/** The `deliveries` source under which signatures are remembered. */
export const SLACK_REQUEST_SOURCE = 'slack-request';

export interface ReplayGuardOptions {
  signingSecret: string;
  /**
   * Wall-clock time, as Slack's timestamps and Bolt's staleness check use; not the app's
   * injectable clock (tests move that one days away from the real time).
   */
  now?: () => Date;
  /**
   * Remembers a signature durably (SQLite, so a restart inside the window does not reopen it);
   * true the first time, false for a replay.
   */
  claim: (signature: string, at: Date) => Promise<boolean>;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Wraps Bolt's request listener (which runs after src/http/slack-body.ts has buffered the body
 * into `rawBody`). Only requests whose signature checks out are remembered, so forged requests
 * cannot fill the table; those, and stale ones, go on to Bolt, which answers 401.
 */
export function refuseSlackReplays(
  listener: RequestListener,
  options: ReplayGuardOptions,
): RequestListener {
  return async (req, res) => {
    const timestamp = header(req, 'x-slack-request-timestamp') ?? '';
    const signature = header(req, 'x-slack-signature') ?? '';
    const raw = (req as IncomingMessage & { rawBody?: Buffer }).rawBody;
    const at = options.now?.() ?? new Date();
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    const age = Math.floor(at.getTime() / 1000) - seconds;
    if (age < -SLACK_REQUEST_WINDOW_S) {
      return sendJson(res, 401, {
        error: 'x-slack-request-timestamp is more than 5 minutes in the future',
      });
    }
    const current = age <= SLACK_REQUEST_WINDOW_S;
    if (raw && current && signedBySlack(options.signingSecret, timestamp, signature, raw)) {
      if (!(await options.claim(signature, at))) {
        // X-Slack-No-Retry: this exact request was received already; sending it again won't help.
        return sendJson(
          res,
          401,
          { error: 'this signed request was already received; a replay is not acted on' },
          { 'x-slack-no-retry': '1' },
        );
      }
    }
    listener(req, res);
  };
}

/** Slack's v0 scheme: `v0=` + hex(HMAC-SHA256(secret, `v0:${timestamp}:${body}`)). */
function signedBySlack(secret: string, timestamp: string, signature: string, raw: Buffer): boolean {
  if (!secret || !signature) return false;
  const expected = `v0=${hmacHex(secret, Buffer.concat([Buffer.from(`v0:${timestamp}:`), raw]))}`;
  return safeEqual(signature, expected);
}
