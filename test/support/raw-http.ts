import { connect } from 'node:net';

export interface RawResponse {
  /** The status of the first response on the connection; 0 when none came. */
  status: number;
  /** Everything the server sent. */
  text: string;
  /** A socket error seen before any response (ECONNRESET, ...). */
  error?: string;
}

/**
 * Sends exactly these bytes over a fresh TCP connection and reads the answer: for requests that
 * fetch would normalise or refuse (raw `%`, `..`, invalid UTF-8, mismatched lengths).
 * Half-closes after writing, so the server sees the end of whatever was sent.
 */
export function rawRequest(
  base: string,
  bytes: Buffer | string,
  { timeoutMs = 10_000 } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, error });
    };
    const timer = setTimeout(() => {
      error = 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', done);
    socket.on('connect', () => socket.end(bytes));
  });
}

/** An HTTP/1.1 request as bytes; `path` is sent exactly as given. */
export function requestBytes(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body: Buffer | string = '',
): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  if (!names.includes('content-length') && !names.includes('transfer-encoding'))
    lines.push(`content-length: ${payload.length}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  // Paths are written as UTF-8 bytes, so non-ASCII and raw bytes reach the server untouched.
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), payload]);
}
