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
    text = await readCapped(response, MAX_ANSWER_BYTES);
  } catch (error) {
    if (error instanceof BackendError) throw error;
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

/** No backend or tracker answer we read is anywhere near this; a bigger one is refused unread. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The body as text, or a BackendError once it passes `max` bytes (fetch itself has no limit). */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) {
      await response.body.cancel().catch(() => {});
      throw new BackendError(`${safeHost(response.url)} answered with more than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * How long a rate-limited answer asks us to wait (`Retry-After`, seconds), kept between 1 s and
 * an hour: a huge or broken value must not park an effect for years.
 */
export function retryAfterMs(headers: Headers, fallbackMs = 60_000): number {
  const seconds = Number(headers.get('retry-after'));
  if (!Number.isFinite(seconds) || seconds <= 0) return fallbackMs;
  return Math.min(Math.max(seconds * 1000, 1000), 60 * 60_000);
}

/** A value from a JSON answer as text, whatever its type (String() throws on some objects). */
export const jsonText = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));

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
