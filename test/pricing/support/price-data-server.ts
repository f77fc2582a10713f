import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider } from '@pydantic/genai-prices';
import { readGenaiPricesProviders } from '../../../src/pricing/genai-prices-source.js';

/** A local HTTP server answering GET /data.json with whatever `body` holds at the time (status `status`). */
export interface PriceDataServer {
  url: string;
  body: string;
  status: number;
  requests: number;
  close(): Promise<void>;
}

export async function startPriceDataServer(body: string): Promise<PriceDataServer> {
  const state = { body, status: 200, requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests += 1;
    if (request.url !== '/data.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(state.status, { 'content-type': 'application/json' }).end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/data.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * The bundled data with two upstream changes: claude-sonnet-5's cache read drops from 0.2 to 0.1
 * from 2026-10-07, and a new model `claude-nova-1` is priced.
 */
export function modifiedData(): Provider[] {
  const providers = structuredClone(readGenaiPricesProviders()) as Provider[];
  const anthropic = providers.find((provider) => provider.id === 'anthropic')!;
  const sonnet = anthropic.models.find((model) => model.id === 'claude-sonnet-5')!;
  const old = sonnet.prices as Record<string, number>;
  sonnet.prices = [
    { prices: old },
    { constraint: { start_date: '2026-10-07', type: 'start_date' }, prices: { ...old, cache_read_mtok: 0.1 } },
  ];
  anthropic.models.unshift({
    id: 'claude-nova-1',
    name: 'Claude Nova 1',
    match: { equals: 'claude-nova-1' },
    prices: { input_mtok: 1, output_mtok: 5 },
  });
  return providers;
}
