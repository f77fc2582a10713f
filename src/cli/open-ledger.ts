import { createLedger } from '../create-ledger.js';
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
  user: { type: 'string' },
  session: { type: 'string' },
  tenant: { type: 'string' },
  trace: { type: 'string' },
  model: { type: 'string', multiple: true },
  provider: { type: 'string', multiple: true },
  status: { type: 'string', multiple: true },
  'call-type': { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
} as const;

export const FILTER_USAGE = `Filters:
  --user ID  --session ID  --tenant ID  --trace ID
  --model M  --provider P  --status S  --call-type T  --tag TAG   (repeatable; tags must all be present)
  --since 7d|24h|DATE  --until DATE`;

const STATUSES: readonly CallStatus[] = ['success', 'error', 'partial', 'cancelled'];

export function stderrLogger(io: CliIo): LedgerLogger {
  const write = (level: string) => (_object: Record<string, unknown>, message: string) =>
    io.stderr(`llm-ledger ${level}: ${message}\n`);
  return { debug() {}, info() {}, warn: write('warning'), error: write('error') };
}

/** The ledger a CLI command reads: `--db`, else LLM_LEDGER_DB, else the config file, else ./.llm-ledger/ledger.db. */
export function openCliLedger(values: { db?: string; config?: string }, io: CliIo): Ledger {
  return createLedger({
    store: values.db,
    configFile: values.config,
    env: io.env,
    cwd: io.cwd,
    logger: stderrLogger(io),
    flushIntervalMs: 10,
  });
}

export function filterFromOptions(values: Record<string, unknown>, now: number = Date.now()): CallFilter {
  const filter: CallFilter = {};
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const list = (key: string) => {
    const value = values[key];
    return Array.isArray(value) && value.length > 0 ? (value as string[]) : undefined;
  };
  filter.userId = text('user');
  filter.sessionId = text('session');
  filter.tenantId = text('tenant');
  filter.traceId = text('trace');
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
