// Raw node:http plumbing: read bodies, decode Web API arguments, write JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Args } from './model.js';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/**
 * WebClient posts `application/x-www-form-urlencoded` with objects as JSON strings in form fields;
 * other clients may post JSON (Slack then wants the token in the Authorization header). Query
 * parameters count too, as they do for GET calls to Slack.
 */
export async function parseArgs(
  contentType: string | undefined,
  body: Buffer,
  query: URLSearchParams,
): Promise<Args | 'invalid_json'> {
  const args: Args = Object.fromEntries(query);
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (body.length === 0) return args;
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return 'invalid_json';
      }
      return { ...args, ...(parsed as Args) };
    } catch {
      return 'invalid_json';
    }
  }
  if (type === 'multipart/form-data' && contentType !== undefined) {
    const form = await new Request('http://emulator.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }).formData();
    for (const [key, value] of form) args[key] = typeof value === 'string' ? value : value.name;
    return args;
  }
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) args[key] = value;
  return args;
}

/** Fields that carry JSON; decoded in the call log so tests can assert on them directly. */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'files', 'metadata'];

export function loggedArgs(args: Args): Args {
  const { token: _token, ...rest } = args;
  for (const key of JSON_FIELDS) {
    const value = rest[key];
    if (typeof value !== 'string') continue;
    try {
      rest[key] = JSON.parse(value) as unknown;
    } catch {
      // Keep the raw string: the method itself reports the format error.
    }
  }
  return rest;
}

export function bearerToken(req: IncomingMessage, args: Args): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1] !== undefined) return match[1];
  return typeof args.token === 'string' && args.token !== '' ? args.token : undefined;
}
