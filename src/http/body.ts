import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { lingerAfterAnswer } from './linger.js';

/** An HTTP answer for the caller's mistake (or our temporary trouble), with a JSON body. */
export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    message: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.body = { error: message, ...extra };
    this.headers = headers;
  }
}

// Answered before the rest of the body is read, so the connection is not reused; the rest is
// read and discarded for a while so the client sees the 413 rather than a reset.
function tooLarge(req: IncomingMessage, maxBytes: number): HttpError {
  lingerAfterAnswer(req);
  return new HttpError(413, `body larger than ${maxBytes} bytes`, {}, { connection: 'close' });
}

export interface ReadBodyOptions {
  /**
   * Decode a `Content-Encoding: gzip | deflate | br` body (true, the default) or refuse any
   * encoding with 415 (for senders that sign the bytes as sent and never compress, like Slack).
   */
  decode?: boolean;
}

/**
 * Reads the raw body, refusing (413) anything above maxBytes before buffering it all. A
 * compressed body is decoded, and the limit holds for the decoded bytes too: inflating stops as
 * soon as it passes the limit, so a small zip bomb costs nothing. Unknown encodings are a 415.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
  { decode = true }: ReadBodyOptions = {},
): Promise<Buffer> {
  const encoding = contentEncoding(req, decode);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(req, maxBytes);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      reject(tooLarge(req, maxBytes));
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    // The client went away (or broke the framing) mid-body: its mistake, and nobody to answer.
    const onAborted = () => {
      stop();
      reject(new HttpError(400, 'request body ended early'));
    };
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
  });
  return encoding ? decompress(raw, encoding, maxBytes) : raw;
}

type Decoder = (
  raw: Buffer,
  options: { maxOutputLength: number },
  done: (error: Error | null, decoded: Buffer) => void,
) => void;
const DECODERS: Record<string, Decoder> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: inflate,
  br: brotliDecompress,
};

function contentEncoding(req: IncomingMessage, decode: boolean): string | undefined {
  const codings = (req.headers['content-encoding'] ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return undefined;
  const [only] = codings;
  if (decode && codings.length === 1 && only && Object.hasOwn(DECODERS, only)) return only;
  throw new HttpError(
    415,
    decode
      ? `unsupported Content-Encoding "${codings.join(', ').slice(0, 100)}": send gzip, deflate, br or none`
      : 'this endpoint takes uncompressed bodies only',
    {},
    decode ? { 'accept-encoding': 'gzip, deflate, br' } : {},
  );
}

function decompress(raw: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxOutputLength makes zlib stop (and fail) as soon as the output passes the limit.
    (DECODERS[encoding] as Decoder)(raw, { maxOutputLength: maxBytes }, (error, decoded) => {
      if (!error) return resolve(decoded);
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return reject(new HttpError(413, `body larger than ${maxBytes} bytes once decompressed`));
      reject(new HttpError(400, `body is not valid ${encoding}: ${error.message}`));
    });
  });
}

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new HttpError(400, 'empty body: expected JSON');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message}`);
  }
}

export const readJson = async (req: IncomingMessage, maxBytes: number): Promise<unknown> =>
  parseJson(await readBody(req, maxBytes));

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
