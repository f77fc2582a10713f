/**
 * Runs a wire server in a worker thread, so that a benchmark's client and the server do not share
 * one event loop: the server's work then neither adds to nor jitters the client's timings.
 * The worker serves benchmark replies by default (see bench-replies.ts).
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { benchChatReply } from './bench-replies.js';
import { startWireServer } from '../../../src/testing/index.js';

const WORKER_ROLE = 'llm-ledger-wire-server';

export interface WorkerWireServer {
  url: string;
  openaiBaseURL: string;
  close(): Promise<void>;
}

export async function startWireServerInWorker(): Promise<WorkerWireServer> {
  // Workers do not inherit tsx's loader hooks: the worker registers them before loading this file.
  const tsx = import.meta.resolve('tsx/esm/api');
  const source =
    `(async () => { const { register } = await import(${JSON.stringify(tsx)}); register(); ` +
    `await import(${JSON.stringify(import.meta.url)}); })();`;
  const worker = new Worker(source, { eval: true, workerData: { role: WORKER_ROLE } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (message: { url: string }) => resolve(message.url));
    worker.once('error', reject);
  });
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    async close() {
      await worker.terminate();
    },
  };
}

// Only the worker started above serves; importing this file anywhere else starts nothing.
if ((workerData as { role?: string } | null)?.role === WORKER_ROLE && parentPort) {
  const port = parentPort;
  const server = await startWireServer();
  server.setDefault('openai.chat', benchChatReply());
  port.postMessage({ url: server.url });
}
