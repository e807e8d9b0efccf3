import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { capConnections } from './connections.js';

export interface ServerLimits {
  /** Connections kept open at most; idle ones are closed first to make room. */
  maxConnections?: number;
  headersTimeoutMs?: number;
}

/**
 * The bot's one HTTP server. A short header timeout, checked every second (Node's default check
 * is every 30 s), and a cap on connections that evicts idle ones first: idle sockets cannot
 * crowd out real requests.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits = {}): Server {
  const server = createServer(
    {
      requestTimeout: 30_000,
      headersTimeout: limits.headersTimeoutMs ?? 10_000,
      connectionsCheckingInterval: 1_000,
    },
    listener,
  );
  capConnections(server, limits.maxConnections ?? 512);
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops taking connections and lets the requests already inside finish (their data is committed
 * before they answer) until the deadline, then closes what is left.
 */
export async function closeServer(
  server: Server,
  inFlight: () => number,
  deadline: number,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  server.closeAllConnections();
  await closed;
}
