import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ledger } from '../core/ledger.js';
import { createLedgerProxy, type LedgerProxy, type LedgerProxyOptions } from './create-proxy.js';

export interface ProxyServer {
  server: Server;
  proxy: LedgerProxy;
  /** `http://host:port`. */
  url: string;
  /** Stops accepting, ends idle connections and closes the upstream pools; the ledger stays open. */
  close(): Promise<void>;
}

/**
 * Starts the proxy on `port` (0: any free port). Nagle's algorithm is off on both sides so that
 * small stream chunks leave at once, and keep-alive is long enough for SDK connection pools.
 */
export async function startLedgerProxy(
  ledger: Ledger,
  options: LedgerProxyOptions & { port?: number; host?: string } = {},
): Promise<ProxyServer> {
  const proxy = createLedgerProxy(ledger, options);
  const server = createServer({ noDelay: true, keepAlive: true, keepAliveTimeout: 65_000 }, proxy);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    proxy,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connections still streaming are ended too: their records are finalized as cancelled.
        server.closeAllConnections();
        proxy.close();
      }),
  };
}
