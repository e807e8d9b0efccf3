// Socket Mode server side, matching what @slack/socket-mode 3.x expects: a `hello` message
// completes the handshake (SocketModeClient.start() resolves on it), envelopes arrive as
// `{envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason}`, and the
// client acks with `{envelope_id, payload}`. The client pings us; `ws` answers pongs by itself.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: object;
  acked: boolean;
  /** The ack's `payload`; socket-mode 3.x sends `{}` when ack() is called without a body. */
  ack?: unknown;
}

export interface SocketModeHub {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  send(type: EnvelopeType, payload: object): Promise<unknown>;
  clientCount(): number;
  readonly envelopes: SocketEnvelope[];
  close(): Promise<void>;
}

interface Pending {
  envelope: SocketEnvelope;
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** How long close() waits for clients to finish the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 1000;

export function createSocketModeHub(appId: string, ackTimeoutMs: number): SocketModeHub {
  const wss = new WebSocketServer({ noServer: true });
  const clients: WebSocket[] = [];
  const pending = new Map<string, Pending>();
  const envelopes: SocketEnvelope[] = [];

  function onMessage(data: unknown): void {
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || !('envelope_id' in message)) return;
    const id = String(message.envelope_id);
    const waiting = pending.get(id);
    if (waiting === undefined) return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    const payload = 'payload' in message ? message.payload : undefined;
    waiting.envelope.acked = true;
    waiting.envelope.ack = payload;
    waiting.resolve(payload);
  }

  wss.on('connection', (ws) => {
    clients.push(ws);
    ws.on('message', onMessage);
    ws.on('close', () => {
      clients.splice(clients.indexOf(ws), 1);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: clients.length,
        debug_info: { host: 'slack-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
  });

  return {
    envelopes,
    upgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    clientCount: () => clients.length,
    send(type, payload) {
      // Slack delivers each envelope to one of the app's connections; the newest is as good as any.
      const client = clients.at(-1);
      if (client === undefined) {
        return Promise.reject(new Error('no Socket Mode client is connected to the emulator'));
      }
      const envelope: SocketEnvelope = { envelope_id: randomUUID(), type, payload, acked: false };
      envelopes.push(envelope);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(envelope.envelope_id);
          reject(
            new Error(
              `envelope ${envelope.envelope_id} (${type}) was not acked in ${ackTimeoutMs} ms`,
            ),
          );
        }, ackTimeoutMs);
        pending.set(envelope.envelope_id, { envelope, resolve, reject, timer });
        client.send(
          JSON.stringify({
            envelope_id: envelope.envelope_id,
            type,
            payload,
            accepts_response_payload: true,
            retry_attempt: 0,
            retry_reason: '',
          }),
        );
      });
    },
    async close() {
      for (const { timer, reject } of pending.values()) {
        clearTimeout(timer);
        reject(new Error('Slack emulator closed before the envelope was acked'));
      }
      pending.clear();
      // Close politely: socket-mode 3.x leaks a 30 s close-handshake timer (keeping the process
      // alive) when its socket is cut while it is itself closing, which is exactly what happens
      // after Bolt's app.stop(), because that does not wait for the disconnect.
      await Promise.all(
        clients.map(
          (ws) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(1001, 'emulator closing');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
