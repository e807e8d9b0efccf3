import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { HttpError, readBody } from './body.js';

const SLACK_BODY_LIMIT = 2 * 1024 * 1024;

const object = z.looseObject({});
// Bolt reads these fields without checking their types first; Slack always sends them in this
// shape, so anything else is not a Slack request (and would make Bolt throw).
const SlackEnvelope = z.looseObject({
  type: z.string().optional(),
  user: z.union([object, z.string()]).optional(),
  team: object.nullable().optional(),
  enterprise: object.nullable().optional(),
  channel: object.optional(),
  container: object.optional(),
  message: object.optional(),
  view: object.optional(),
  actions: z.array(object).optional(),
  authorizations: z.array(object).optional(),
  event: z.looseObject({ type: z.string() }).optional(),
});

const INTERACTIVE = new Set([
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
]);
const Interactive = z.looseObject({ user: z.looseObject({ id: z.string() }) });
const EventCallback = z.looseObject({ event: z.looseObject({ type: z.string() }) });

function looksLikeSlack(body: unknown): boolean {
  const envelope = SlackEnvelope.safeParse(body);
  if (!envelope.success) return false;
  const type = envelope.data.type ?? '';
  if (INTERACTIVE.has(type)) return Interactive.safeParse(body).success;
  if (type === 'event_callback') return EventCallback.safeParse(body).success;
  return true;
}

/**
 * Buffers a request for Bolt (which uses a pre-read `rawBody` as is), refusing with 413 or 400
 * what Bolt would choke on: a body over the limit, or one that is not shaped like anything
 * Slack sends (Bolt throws on those and answers 500). Signatures are still checked by Bolt.
 */
export async function readSlackBody(req: IncomingMessage): Promise<void> {
  // Slack signs the bytes it sends and never compresses them.
  const raw = await readBody(req, SLACK_BODY_LIMIT, { decode: false });
  let parsed: unknown = {};
  try {
    if (req.headers['content-type'] === 'application/x-www-form-urlencoded') {
      const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
      if (payload !== null) parsed = JSON.parse(payload);
    } else parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'malformed Slack request body');
  }
  if (!looksLikeSlack(parsed)) throw new HttpError(400, 'malformed Slack request body');
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
}
