/**
 * The processes of `npm run bench -- proxy`, one role each, chosen by argv[2]:
 * `upstream` (the wire server answering like OpenAI), `ours` (llm-ledger's proxy recording into
 * SQLite), `relay` (a process that only copies bytes between sockets) and `load` (an open-loop
 * load generator over keep-alive connections). Each prints one JSON line on stdout. Library code
 * resolves to dist/ (as built), like every benchmark.
 */
import { register } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

register(new URL('./_compiled-hooks.mjs', import.meta.url).href);

const role = process.argv[2];
const config = JSON.parse(process.argv[3] ?? '{}') as Record<string, unknown>;

if (role === 'upstream') {
  const { startWireServer } = await import('../src/testing/index.js');
  const { benchChatReply } = await import('../test/support/wire-server/bench-replies.js');
  const server = await startWireServer();
  server.setDefault('openai.chat', benchChatReply());
  // Benchmarks run for minutes: the recorded requests would grow without end.
  setInterval(() => (server.requests.length = 0), 1000).unref();
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
} else if (role === 'ours') {
  const { createLedger } = await import('../src/create-ledger.js');
  const { silentLogger } = await import('../src/core/logger.js');
  const { startLedgerProxy } = await import('../src/proxy/index.js');
  const directory = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
  const ledger = createLedger({
    store: join(directory, 'ledger.db'),
    configFile: false,
    // `record: false`: the proxy with the ledger off, the hop alone.
    env: config.record === false ? { LLM_USAGE_LOGGING_ENABLED: 'false' } : {},
    logger: silentLogger,
    priceUpdates: false,
    spool: false,
    shutdownHooks: false,
  });
  const proxy = await startLedgerProxy(ledger, { port: 0, upstreams: { openai: `${String(config.upstream)}/v1` } });
  process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
  process.on('SIGTERM', () => {
    void proxy
      .close()
      .then(() => ledger.close())
      .finally(() => process.exit(0));
  });
} else if (role === 'relay') {
  // The least any proxy written in Node does: each accepted connection gets its own connection
  // to the upstream, and bytes are copied both ways as they arrive, with no HTTP parsed at all.
  const { connect, createServer } = await import('node:net');
  const upstream = new URL(String(config.upstream));
  const server = createServer({ noDelay: true }, (client) => {
    const upward = connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
    client.on('data', (chunk: Buffer) => upward.write(chunk));
    upward.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upward.destroy());
    upward.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upward.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
} else if (role === 'load') {
  await runLoad(config as unknown as LoadConfig);
}

interface LoadConfig {
  url: string;
  headers: Record<string, string>;
  body: string;
  rate: number;
  durationMs: number;
  warmUpMs: number;
}

async function runLoad(load: LoadConfig): Promise<void> {
  // The proxy's own upstream client: node:http's client took about 30% more CPU per request (160
  // to 190 µs against 120 to 140), from the same two cores as the processes measured.
  const { PlainUpstreamPool } = await import('../src/proxy/plain-upstream.js');
  const target = new URL(load.url);
  const pool = new PlainUpstreamPool(target.hostname, Number(target.port));
  const body = Buffer.from(load.body);
  const headers = Object.entries({
    Host: target.host,
    ...load.headers,
    'content-type': 'application/json',
    'content-length': String(body.length),
  }).flat();
  const latencies: number[] = [];
  const firstChunks: number[] = [];
  let errors = 0;
  let sent = 0;
  let counted = 0;
  const start = performance.now();
  const end = start + load.warmUpMs + load.durationMs;
  const send = () => {
    const began = performance.now();
    const measured = began >= start + load.warmUpMs;
    if (measured) counted++;
    const outgoing = pool.request('POST', target.pathname, headers);
    outgoing.on('response', (response) => {
      let first = 0;
      response.on('data', () => {
        if (first === 0) first = performance.now();
      });
      response.on('end', () => {
        if (!measured) return;
        if (response.statusCode !== 200) {
          errors++;
          return;
        }
        latencies.push(performance.now() - began);
        firstChunks.push(first - began);
      });
    });
    outgoing.on('error', () => {
      if (measured) errors++;
    });
    outgoing.end(body);
  };
  // Open loop: requests leave on schedule whether or not earlier ones have been answered.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, end) - start) * load.rate) / 1000);
      while (sent < due) {
        sent++;
        send();
      }
      if (now >= end) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const deadline = performance.now() + 10_000;
  while (latencies.length + errors < counted && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  pool.close();
  latencies.sort((a, b) => a - b);
  firstChunks.sort((a, b) => a - b);
  const pick = (values: number[], q: number) =>
    values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
  process.stdout.write(
    `${JSON.stringify({
      count: latencies.length,
      errors,
      lost: counted - latencies.length - errors,
      achievedRate: (counted / load.durationMs) * 1000,
      p50: pick(latencies, 0.5),
      p99: pick(latencies, 0.99),
      first50: pick(firstChunks, 0.5),
      first99: pick(firstChunks, 0.99),
    })}\n`,
    // Requests still unanswered must not keep this process (and its CPU use) alive.
    () => process.exit(0),
  );
}
