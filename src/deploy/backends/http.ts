// The one way backends talk HTTP: a hard timeout, and failures described for a person reading
// the channel ("timed out after 10 s", "could not connect to argocd.internal"), never a stack.

export interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

export class BackendError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackendError';
  }
}

export async function call(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: 'error',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (error) {
    const host = safeHost(url);
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new BackendError(`${host} did not answer within ${seconds(init.timeoutMs)}`);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new BackendError(`could not reach ${host}${cause ? ` (${cause})` : ''}`, {
      cause: error,
    });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new BackendError(`${safeHost(url)} broke off its answer`, { cause: error });
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, text, json, headers: response.headers };
}

/** "answered 500: <first part of the body>" */
export function describeStatus(who: string, answer: HttpAnswer): string {
  const message =
    (answer.json as { message?: unknown; error?: unknown } | null)?.message ??
    (answer.json as { error?: unknown } | null)?.error ??
    answer.text;
  const detail =
    typeof message === 'string' && message.trim() ? `: ${message.trim().slice(0, 300)}` : '';
  return `${who} answered ${answer.status}${detail}`;
}

export const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the backend';
  }
}

export const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
export const asString = (value: unknown): string | null =>
  typeof value === 'string' && value ? value : null;
