import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps room for real requests when many connections sit idle (1,100 sockets that never send a
 * header would otherwise exhaust the process's file descriptors, and /healthz and webhooks fail).
 * At most `max` connections are kept: when one more arrives, the oldest connection with no
 * request in progress (never sent a header, or an idle keep-alive) is closed to make room; only
 * if every connection is busy is the new one refused. Idle sockets also die on their own after
 * `headersTimeout` (checked every `connectionsCheckingInterval`).
 */
export function capConnections(server: Server, max: number): void {
  // Insertion order: the first entries are the oldest connections.
  const busy = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
    if (busy.size <= max) return;
    for (const [old, requests] of busy) {
      if (old === socket || requests > 0) continue;
      old.destroy();
      busy.delete(old);
      return;
    }
    socket.destroy();
    busy.delete(socket);
  });
  server.on('request', (req, res) => {
    const socket = req.socket as Socket;
    if (!busy.has(socket)) return;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (busy.has(socket)) busy.set(socket, Math.max(0, (busy.get(socket) ?? 1) - 1));
    });
  });
}
