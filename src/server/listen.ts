import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { assertSafeBinding, type ServerToken } from './access.js';
import type { LedgerServer } from './create-ledger-server.js';

export interface ListenOptions {
  /** Default 127.0.0.1. Any address other than loopback needs `tokens`. */
  host?: string;
  /** Default 4318; 0 picks a free port. */
  port?: number;
  /** The tokens the server was created with: checked here so a public bind without one never starts. */
  tokens?: readonly ServerToken[];
}

export interface ListeningServer {
  /** `http://127.0.0.1:4318/` */
  readonly url: string;
  readonly port: number;
  /** Ends the live tails, stops accepting connections and closes the open ones. The ledger stays open. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4318;

/** Serves a ledger server on Node's `http` (through `@hono/node-server`), after checking the binding. */
export async function listenLedgerServer(server: LedgerServer, options: ListenOptions = {}): Promise<ListeningServer> {
  const host = options.host ?? '127.0.0.1';
  assertSafeBinding(host, options.tokens ?? []);
  const port = options.port ?? DEFAULT_PORT;
  return new Promise((resolve, reject) => {
    const http = serve({ fetch: server, hostname: host, port }, (info: AddressInfo) => {
      http.off('error', reject);
      const shown = info.family === 'IPv6' || host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host;
      resolve({
        url: `http://${shown}:${info.port}/`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close();
            http.close(() => done());
            (http as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    http.once('error', reject);
    // Longer than a client's idle pause between dashboard requests: Node's 5 s default closes
    // sockets a client is about to reuse, which it sees as ECONNRESET.
    if ('keepAliveTimeout' in http) http.keepAliveTimeout = 65_000;
    // A response written in several pieces must not wait for the client's delayed ACK (Nagle).
    http.on('connection', (socket: { setNoDelay?: (noDelay: boolean) => void }) => socket.setNoDelay?.(true));
  });
}
