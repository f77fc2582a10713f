import { existsSync } from 'node:fs';
import { createLedger, DEFAULT_DATABASE_PATH, resolveLedgerConfig } from '../create-ledger.js';
import { LedgerError } from '../core/errors.js';
import { sqlitePathOf } from '../open-store.js';
import { redactSecrets } from '../core/secret-redaction.js';
import { printable } from './format/printable.js';
import type { Ledger } from '../core/ledger.js';
import type { LedgerLogger } from '../core/logger.js';
import type { CallFilter } from '../core/store.js';
import type { CallStatus } from '../core/record.js';
import type { CliIo } from './command.js';
import { UsageError } from './command.js';
import { parseSince } from './time-range.js';

/** Options every command that reads the ledger accepts. */
export const LEDGER_OPTIONS = {
  db: { type: 'string' },
  config: { type: 'string' },
} as const;

/** Filter options shared by `calls` and `report`. */
export const FILTER_OPTIONS = {
  user: { type: 'string', multiple: true },
  session: { type: 'string', multiple: true },
  tenant: { type: 'string', multiple: true },
  trace: { type: 'string', multiple: true },
  model: { type: 'string', multiple: true },
  provider: { type: 'string', multiple: true },
  status: { type: 'string', multiple: true },
  'call-type': { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
} as const;

export const FILTER_USAGE = `Filters:
  --user ID  --session ID  --tenant ID  --trace ID  --model M  --provider P  --status S  --call-type T
                     (repeatable: any of the values matches)
  --tag TAG          (repeatable: every tag must be present)
  --since 7d|24h|DATE  --until DATE`;

const STATUSES: readonly CallStatus[] = ['success', 'error', 'partial', 'cancelled'];

export function stderrLogger(io: CliIo): LedgerLogger {
  // Messages carry content (model names, provider errors): redacted and made printable.
  const write = (level: string) => (_object: Record<string, unknown>, message: string) =>
    io.stderr(`llm-ledger ${level}: ${printable(redactSecrets(String(message)))}\n`);
  return { debug() {}, info() {}, warn: write('warning'), error: write('error') };
}

/**
 * The ledger a CLI command reads: `--db`, else LLM_LEDGER_DB, else the config file, else
 * ./.llm-ledger/ledger.db. A SQLite file that does not exist is an error naming it (a typo must
 * not create an empty database and report "no calls"), unless `create` is set (`demo`, `migrate`).
 * The CLI records nothing, so it takes no spool (a spool belongs to the application's processes)
 * and installs no shutdown hooks.
 */
export function openCliLedger(
  values: { db?: string; config?: string },
  io: CliIo,
  options: { create?: boolean } = {},
): Ledger {
  const ledgerOptions = {
    store: values.db,
    configFile: values.config,
    env: io.env,
    cwd: io.cwd,
    logger: stderrLogger(io),
    flushIntervalMs: 10,
    spool: false,
    shutdownHooks: false,
    priceUpdates: false,
  } as const;
  if (!options.create) requireDatabase(resolveLedgerConfig(ledgerOptions).storeLocation, values, io);
  return createLedger(ledgerOptions);
}

/** Throws, naming the path and where it came from, when `location` is a SQLite file that does not exist. */
export function requireDatabase(location: string, values: { db?: string }, io: CliIo): void {
  const path = sqlitePathOf(location, io.cwd);
  if (path === undefined || existsSync(path)) return;
  const from =
    values.db !== undefined
      ? '--db'
      : nonBlank(io.env.LLM_LEDGER_DB) !== undefined
        ? 'LLM_LEDGER_DB'
        : location === DEFAULT_DATABASE_PATH
          ? 'the default location'
          : 'the config file';
  throw new LedgerError(
    `No ledger database at ${printable(path)} (from ${from}): check the path; ` +
      '`llm-ledger migrate` or a recording application creates it',
  );
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function filterFromOptions(values: Record<string, unknown>, now: number = Date.now()): CallFilter {
  const filter: CallFilter = {};
  // An empty value (`--user ''`, `--since=`) is a mistake to report, not a filter to drop.
  const text = (key: string) => {
    const value = values[key];
    if (typeof value !== 'string') return undefined;
    if (value.trim() === '') throw new UsageError(`--${key} needs a value`);
    return value;
  };
  const list = (key: string) => {
    const value = values[key];
    if (!Array.isArray(value) || value.length === 0) return undefined;
    for (const item of value as string[]) if (item.trim() === '') throw new UsageError(`--${key} needs a value`);
    return value as string[];
  };
  const one = (key: string) => {
    const items = list(key);
    return items?.length === 1 ? items[0] : items;
  };
  filter.userId = one('user');
  filter.sessionId = one('session');
  filter.tenantId = one('tenant');
  filter.traceId = one('trace');
  filter.model = list('model');
  filter.provider = list('provider');
  filter.callType = list('call-type');
  filter.tags = list('tag');
  const statuses = list('status');
  if (statuses) {
    for (const status of statuses) {
      if (!STATUSES.includes(status as CallStatus)) {
        throw new UsageError(`--status ${status} is not one of ${STATUSES.join(', ')}`);
      }
    }
    filter.status = statuses as CallStatus[];
  }
  const since = text('since');
  const until = text('until');
  if (since) filter.from = parseSince(since, now);
  if (until) filter.to = parseSince(until, now);
  for (const key of Object.keys(filter) as Array<keyof CallFilter>) if (filter[key] === undefined) delete filter[key];
  return filter;
}
