import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../config/load.js';
import { createLedger } from '../../create-ledger.js';
import { printable } from '../format/printable.js';
import { DEFAULT_UPSTREAMS, loadVirtualKeys, startLedgerProxy } from '../../proxy/index.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { LEDGER_OPTIONS, stderrLogger } from '../open-ledger.js';

const DEFAULT_PORT = 4000;
const DEFAULT_HOST = '127.0.0.1';
/** How long in-flight requests may finish after SIGINT/SIGTERM before their connections are cut. */
const DRAIN_MS = 10_000;

const USAGE = `llm-ledger proxy [--port N] [--host H] [--upstream NAME=URL]... [--keys FILE] [--config llm_config.yaml] [--db PATH|postgres://...]

Runs an HTTP proxy that records every LLM call passing through it, enforces the ledger's budgets and
rate limits before forwarding, and answers exactly as the provider does. A client changes only its
base URL:
  OpenAI      http://HOST:PORT/openai/v1        (chat completions, responses, embeddings, models)
  Anthropic   http://HOST:PORT/anthropic        (messages, count_tokens)
  Gemini      http://HOST:PORT/gemini           (generateContent, streamGenerateContent, embedContent)
  NAME        http://HOST:PORT/u/NAME/v1        (any OpenAI-compatible upstream given by --upstream)

Attribution headers (never forwarded): x-ledger-user, x-ledger-tenant, x-ledger-session,
x-ledger-tags (comma-separated), x-ledger-metadata-<key>, traceparent. /healthz and /metrics are served.

Options:
  --port N              default ${DEFAULT_PORT} (or proxy.port in the config file)
  --host H              default ${DEFAULT_HOST} (or proxy.host); 0.0.0.0 listens on every interface
  --upstream NAME=URL   repeatable; openai, anthropic, gemini replace ${DEFAULT_UPSTREAMS.openai},
                        ${DEFAULT_UPSTREAMS.anthropic}, ${DEFAULT_UPSTREAMS.gemini};
                        other names add /u/NAME/v1 (also proxy.upstreams in the config file)
  --keys FILE           virtual keys (also proxy.virtual_keys): clients send a ledger key, the proxy
                        sends the provider secret held in the file
  --cache memory|sqlite the response cache (also proxy.cache): requests with x-ledger-cache: on (or
                        every request to an upstream in proxy.cache_upstreams) are answered from it
                        when an identical one succeeded before; the answer says x-ledger-cache: hit|miss`;

export const command: CliCommand = {
  name: 'proxy',
  summary: 'record, meter and forward LLM calls from any language through an HTTP proxy',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        port: { type: 'string' },
        host: { type: 'string' },
        upstream: { type: 'string', multiple: true },
        keys: { type: 'string' },
        cache: { type: 'string' },
      },
      strict: true,
    });
    const settings = loadConfigFile(values.config, io.env, io.cwd).file.proxy ?? {};
    const upstreams: Record<string, string> = { ...settings.upstreams, ...parseUpstreams(values.upstream ?? []) };
    const port = values.port === undefined ? (settings.port ?? DEFAULT_PORT) : parsePort(values.port);
    const host = values.host ?? settings.host ?? DEFAULT_HOST;
    const keyFile = values.keys ?? settings.virtual_keys;
    const virtualKeys = keyFile === undefined ? undefined : loadVirtualKeys(resolve(io.cwd, keyFile));
    const cacheBackend = values.cache ?? settings.cache;
    if (cacheBackend !== undefined && cacheBackend !== 'memory' && cacheBackend !== 'sqlite') {
      throw new UsageError(`--cache ${cacheBackend}: expected memory or sqlite`);
    }
    const ledger = createLedger({
      store: values.db,
      cache: cacheBackend === undefined ? undefined : { backend: cacheBackend, ttlMs: settings.cache_ttl_ms },
      configFile: values.config,
      env: io.env,
      cwd: io.cwd,
      logger: stderrLogger(io),
      shutdownHooks: false,
    });
    let running;
    try {
      running = await startLedgerProxy(ledger, {
        port,
        host,
        upstreams,
        virtualKeys,
        maxRequestBytes: settings.max_request_bytes,
        maxResponseBytes: settings.max_response_bytes,
        upstreamTimeoutMs: settings.upstream_timeout_ms,
        cacheUpstreams: settings.cache_upstreams,
      });
    } catch (error) {
      await ledger.close();
      throw error;
    }
    io.stdout(`llm-ledger proxy listening on ${running.url}\n`);
    for (const [name, base] of Object.entries({ ...DEFAULT_UPSTREAMS, ...upstreams })) {
      const prefix = name in DEFAULT_UPSTREAMS ? `/${name}` : `/u/${name}/v1`;
      io.stdout(`  ${running.url}${prefix} -> ${printable(base)}\n`);
    }
    if (cacheBackend) io.stdout(`  response cache: ${cacheBackend} (x-ledger-cache: on)\n`);
    if (virtualKeys) io.stdout(`  ${virtualKeys.length} virtual keys; provider keys from clients are refused\n`);
    const signal = await untilSignal();
    io.stdout(`${signal}: finishing requests in flight, then storing the last records\n`);
    const drained = new Promise<void>((resolve) => running.server.close(() => resolve()));
    running.server.closeIdleConnections();
    const timer = setTimeout(() => running.server.closeAllConnections(), DRAIN_MS);
    await drained;
    clearTimeout(timer);
    running.proxy.close();
    await ledger.close();
    return 0;
  },
};

function parseUpstreams(items: readonly string[]): Record<string, string> {
  const upstreams: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) {
      throw new UsageError(
        `--upstream ${item}: expected NAME=URL, such as --upstream groq=https://api.groq.com/openai/v1`,
      );
    }
    upstreams[item.slice(0, at)] = item.slice(at + 1);
  }
  return upstreams;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port ${value}: expected a port number 0-65535`);
  return port;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
