import type { IncomingMessage } from 'node:http';

// Enough for a client that sends a few MiB too much to finish and read the answer; little enough
// that a client cannot keep a connection busy with an endless body.
export const LINGER_MS = 5_000;
export const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * A lingering close, for an answer (413) given before the body was read. Node ends a
 * `Connection: close` response with `socket.destroySoon()`: it closes the socket as soon as the
 * answer is written, the kernel meets the rest of the body with a reset, and a client still
 * sending sees EPIPE/ECONNRESET instead of the 413 (most clients read only once they have sent).
 *
 * Instead the socket is half-closed after the answer (the client sees the whole response and the
 * end of it) and the rest of the body is read and thrown away until the client finishes (Node
 * then closes the socket), `LINGER_MS` pass, or `LINGER_BYTES` more arrive: then it is closed.
 */
export function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket;
  if (!socket || socket.destroyed) return;
  const close = () => socket.destroy();
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  let discarded = 0;
  // A 'data' listener (not resume() alone) also keeps Node from dumping the body on its own.
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) close();
  });
  req.resume();
  socket.destroySoon = function halfClose(this: typeof socket) {
    if (this.writable) this.end();
  };
}
