import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { type ErrorCode, isAppError } from '../errors.js';
import { STORAGE_RETRY_AFTER_S, storageError } from '../store/errors.js';
import { HttpError, sendJson } from './body.js';
import { readSlackBody } from './slack-body.js';

export type Params = Record<string, string>;
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Params,
  url: URL,
) => Promise<void>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/api/v1/incidents/:number/timeline` style; `:name` matches one path segment. */
  path: string;
  handler: RouteHandler;
  /** Refused with 503 while shutting down, so a sender retries against the next process. */
  refuseWhileDraining?: boolean;
}

const STATUS_OF: Record<ErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  invalid: 400,
  frozen: 423,
  upstream: 502,
  unavailable: 503,
};

function compile(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^${pattern}/?$`), names };
}

export interface HttpHandlerOptions {
  routes: readonly Route[];
  /** Bolt's HTTPReceiver request listener for POST /slack/events (absent in Socket Mode). */
  slack?: RequestListener;
  log: Logger;
  isDraining: () => boolean;
}

export interface HttpHandler {
  listener: RequestListener;
  /** Requests being answered right now. */
  readonly inFlight: number;
}

export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  const compiled = options.routes.map((route) => ({ route, ...compile(route.path) }));
  let inFlight = 0;

  // Every synchronous step (URL parsing, routing, decoding, the handler's synchronous part) runs
  // inside this try, and every asynchronous failure ends in the same sendError: a request is
  // always answered, and no request can throw out of the server's 'request' event (which would
  // be an uncaught exception that ends the process).
  const listener: RequestListener = (req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    const fail = (error: unknown) => {
      req.resume();
      sendError(res, error, options.log, req);
    };
    try {
      dispatch(req, res)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  };

  const dispatch = (req: IncomingMessage, res: ServerResponse): Promise<void> | undefined => {
    const url = requestUrl(req.url);
    if (url.pathname === '/slack/events' && options.slack) {
      if (options.isDraining()) return refuse(res);
      const slack = options.slack;
      return readSlackBody(req).then(() => slack(req, res));
    }
    let pathMatched = false;
    for (const { route, regex, names } of compiled) {
      const match = regex.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      if (route.refuseWhileDraining && options.isDraining()) return refuse(res);
      const params = Object.fromEntries(names.map((n, i) => [n, decodeSegment(match[i + 1])]));
      // Bolt-style routes do not await handlers; we do, and every failure ends the response.
      return route.handler(req, res, params, url);
    }
    req.resume();
    if (pathMatched) sendJson(res, 405, { error: `method ${req.method} not allowed` });
    else sendJson(res, 404, { error: 'not found' });
  };

  return {
    listener,
    get inFlight() {
      return inFlight;
    },
  };
}

const malformedPath = (why: string) => new HttpError(400, `malformed path: ${why}`);

/**
 * The request target as a URL. Only origin-form (`/path?query`) is served; the path is kept as
 * sent, so `//host/x` stays a path and is not read as another host.
 */
function requestUrl(target: string | undefined): URL {
  if (!target?.startsWith('/')) throw malformedPath('expected /path');
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    throw malformedPath('not a URL');
  }
}

function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    throw malformedPath('invalid percent-escape');
  }
}

function refuse(res: ServerResponse): undefined {
  sendJson(
    res,
    503,
    { error: 'shutting down, retry shortly' },
    { 'retry-after': '5', connection: 'close' },
  );
}

/** The one place HTTP errors are translated: 4xx for the caller's mistakes, 503 for ours that pass. */
export function sendError(
  res: ServerResponse,
  error: unknown,
  log: Logger,
  req?: IncomingMessage,
): void {
  const [status, body, headers] = describeError(error);
  if (status === 500) log.error({ err: error, path: req?.url }, 'request failed');
  if (status === 503)
    log.warn({ err: error, path: req?.url }, 'storage unavailable; asked the sender to retry');
  sendJson(res, status, body, headers);
}

function describeError(error: unknown): [number, Record<string, unknown>, Record<string, string>] {
  if (error instanceof HttpError) return [error.status, error.body, error.headers];
  if (error instanceof ZodError) {
    const problems = error.issues
      .slice(0, 50)
      .map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    return [400, { error: 'invalid body', problems }, {}];
  }
  if (isAppError(error))
    return [STATUS_OF[error.code], { error: error.message, code: error.code }, {}];
  // The database cannot write right now: the caller should retry, and nothing was stored.
  const storage = storageError(error);
  if (storage)
    return [503, { error: storage.message }, { 'retry-after': String(STORAGE_RETRY_AFTER_S) }];
  return [500, { error: 'internal error' }, {}];
}
