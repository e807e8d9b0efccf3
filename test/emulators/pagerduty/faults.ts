import type { FaultMatcher, PagerDutyFault } from './types.js';

export interface FaultEntry {
  label: string;
  matches: (method: string, path: string) => boolean;
  fault: PagerDutyFault;
  remaining: number;
}

export interface FaultReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** `'*'`, `'/path'` (any method) or `'METHOD /path'`; `:param` is one segment, `*` anything. */
export function compileMatcher(matcher: FaultMatcher): (method: string, path: string) => boolean {
  if (typeof matcher === 'function') return (method, path) => matcher({ method, path });
  const trimmed = matcher.trim();
  if (trimmed === '*') return () => true;
  const space = trimmed.indexOf(' ');
  const method = space === -1 ? '*' : trimmed.slice(0, space).toUpperCase();
  const pattern = space === -1 ? trimmed : trimmed.slice(space + 1).trim();
  const source = pattern
    .split('/')
    .map((segment) =>
      segment.startsWith(':') ? '[^/]+' : segment.split('*').map(escapeRegExp).join('.*'),
    )
    .join('/');
  const regex = new RegExp(`^${source}$`);
  return (m, path) => (method === '*' || method === m) && regex.test(path);
}

export function takeFault(
  faults: FaultEntry[],
  method: string,
  path: string,
): FaultEntry | undefined {
  const index = faults.findIndex((f) => f.remaining > 0 && f.matches(method, path));
  const entry = faults[index];
  if (!entry) return undefined;
  entry.remaining -= 1;
  if (entry.remaining <= 0) faults.splice(index, 1);
  return entry;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function html(status: number, text: string): FaultReply {
  // Gateways in front of PagerDuty answer with HTML, which pdjs cannot parse (it rejects).
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body: `<html><head><title>${status} ${text}</title></head><body><h1>${status} ${text}</h1></body></html>`,
  };
}

export function faultReply(
  fault: { status: number; retryAfter?: number; body?: unknown },
  events: boolean,
): FaultReply {
  const headers: Record<string, string> = { 'content-type': JSON_TYPE };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.body !== undefined) {
    if (typeof fault.body === 'string') {
      headers['content-type'] = fault.body.trimStart().startsWith('<') ? 'text/html' : 'text/plain';
      return { status: fault.status, headers, body: fault.body };
    }
    return { status: fault.status, headers, body: JSON.stringify(fault.body) };
  }
  if (fault.status === 429) {
    if (events) {
      return {
        status: 429,
        headers,
        body: JSON.stringify({
          status: 'throttle event',
          message: 'Requests for this service are arriving too quickly. Please retry later.',
        }),
      };
    }
    // Headers and body per developer-docs REST-API/04-Rate-Limits.md.
    headers['ratelimit-limit'] = '960';
    headers['ratelimit-remaining'] = '0';
    headers['ratelimit-reset'] = String(fault.retryAfter ?? 20);
    return {
      status: 429,
      headers,
      body: JSON.stringify({ error: { message: 'Rate Limit Exceeded', code: 2020 } }),
    };
  }
  if (fault.status === 502) return html(502, 'Bad Gateway');
  if (fault.status === 503) return html(503, 'Service Unavailable');
  const body = events
    ? { status: 'error', message: 'Internal Server Error' }
    : {
        error: {
          message: 'An internal error has occurred. PagerDuty team has been notified.',
          code: 2000,
        },
      };
  return { status: fault.status, headers, body: JSON.stringify(body) };
}
