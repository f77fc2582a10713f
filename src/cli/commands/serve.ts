import { parseArgs } from 'node:util';
import { ConfigError } from '../../core/errors.js';
import type { ServableLedger } from '../../server/create-ledger-server.js';
import { createLedgerServer } from '../../server/create-ledger-server.js';
import { DEFAULT_PORT, listenLedgerServer } from '../../server/listen.js';
import { assertSafeBinding, type ServerToken } from '../../server/access.js';
import type { MetricsRegistry } from '../../server/server-options.js';
import type { CliCommand, CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { printable } from '../format/printable.js';
import { LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger serve [--db PATH|URL] [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--token T] [--tenant-token TENANT=T]

Serves the JSON API (/api/v1/...), the dashboard (/) and the ledger's Prometheus metrics (/metrics,
when prom-client is installed) over the ledger, until SIGINT or SIGTERM.
Bound to loopback (the default) no token is needed; bound to any other address it refuses to start
without one: --token T or LLM_LEDGER_TOKEN (reads every tenant), or --tenant-token TENANT=T
(repeatable: that token reads TENANT's calls only). Clients send Authorization: Bearer T.
Tokens are at least 16 characters and are never printed.`;

export const command: CliCommand = {
  name: 'serve',
  summary: 'serve the JSON API and the dashboard',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        host: { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string' },
        'tenant-token': { type: 'string', multiple: true },
      },
      strict: true,
    });
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port > 65535) {
      throw new UsageError(`--port ${values.port} is not a port number (0 to 65535)`);
    }
    const host = values.host ?? '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host needs a value');
    const tokens = tokensFrom(values.token, values['tenant-token'], io);
    // Checked before the ledger is opened: a public bind without a token never gets as far.
    assertSafeBinding(host, tokens);
    const ledger = openCliLedger(values, io) as ServableLedger;
    let listening;
    try {
      const metrics = await ledgerMetrics(ledger, io);
      const server = createLedgerServer(ledger, { tokens, metrics });
      listening = await listenLedgerServer(server, { host, port, tokens });
    } catch (error) {
      await ledger.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new ConfigError({
          source: '--port',
          path: 'port',
          expected: 'a free port',
          received: `${port} (in use)`,
        });
      }
      throw error;
    }
    io.stdout(`llm-ledger: serving ${ledger.store.kind} ledger at ${listening.url}\n`);
    if (tokens.length > 0) io.stdout('llm-ledger: the API needs a token (Authorization: Bearer ...)\n');
    const signal = await waitForSignal();
    io.stdout(`llm-ledger: ${signal}, shutting down\n`);
    await listening.close();
    await ledger.close();
    return 0;
  },
};

function tokensFrom(token: string | undefined, tenantTokens: string[] | undefined, io: CliIo): ServerToken[] {
  const tokens: ServerToken[] = [];
  const shared = token ?? (io.env.LLM_LEDGER_TOKEN?.trim() ? io.env.LLM_LEDGER_TOKEN : undefined);
  if (token !== undefined && token.trim() === '') throw new UsageError('--token needs a value');
  if (shared !== undefined) tokens.push({ token: shared });
  for (const entry of tenantTokens ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1) {
      // The value is a secret: only its shape is described.
      throw new UsageError('--tenant-token takes TENANT=TOKEN (a tenant id, "=", then the token)');
    }
    tokens.push({ tenantId: entry.slice(0, at), token: entry.slice(at + 1) });
  }
  for (const [index, entry] of tokens.entries()) {
    if (entry.token.length < 16) {
      throw new UsageError(
        `${index === 0 && shared !== undefined ? (token !== undefined ? '--token' : 'LLM_LEDGER_TOKEN') : `--tenant-token ${printable(entry.tenantId ?? '')}`} is shorter than 16 characters`,
      );
    }
  }
  return tokens;
}

/**
 * The ledger's Prometheus metrics for `/metrics` (queue depth, spool size, handler errors, and the
 * calls this process records), through `llm-ledger/prometheus`, which needs the optional
 * `prom-client`: without it the server runs and `/metrics` answers 404 saying what to install.
 */
async function ledgerMetrics(ledger: ServableLedger, io: CliIo): Promise<MetricsRegistry | undefined> {
  let prometheus: typeof import('../../observe/prometheus/index.js');
  try {
    prometheus = await import('../../observe/prometheus/index.js');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /prom-client/.test(String(error))) {
      io.stderr('llm-ledger: /metrics is off: install prom-client (npm install prom-client) to serve it\n');
      return undefined;
    }
    throw error;
  }
  const metrics = prometheus.createPrometheusMetrics({ stats: () => ledger.stats() });
  ledger.addHandler(metrics);
  return metrics.registry;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
