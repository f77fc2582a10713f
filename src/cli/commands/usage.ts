import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveLedgerConfig } from '../../create-ledger.js';
import { createMeter } from '../../meters/create-meter.js';
import { MeterUnavailableError } from '../../meters/errors.js';
import type { MeterUsage } from '../../meters/meter.js';
import { parsePeriod, windowOf, type PeriodInput } from '../../meters/counters/period.js';
import { meterLocationFromEnv, redactRedisUrl } from '../../meters/redis/open-redis.js';
import { formatSubject, parseSubject, type Subject } from '../../meters/counters/subject.js';
import type { MalformedRows } from '../../core/malformed-rows.js';
import type { CallFilter } from '../../core/store.js';
import type { CliCommand, CliIo } from '../command.js';
import { UsageError } from '../command.js';
import { malformedRowsWarning } from '../format/malformed-warning.js';
import { displayDecimals, EXACT_OPTION, formatCost } from '../format/money-format.js';
import { formatInteger, renderTable } from '../format/table.js';
import { LEDGER_OPTIONS, openCliLedger, stderrLogger } from '../open-ledger.js';

const USAGE = `llm-ledger usage (--user ID | --tenant ID | --subject DIMENSION:ID) [--period cycle] [--exact] [--json]

Usage of one subject in the current window of a period: requests, tokens per bucket, exact cost,
and what running calls hold in reservations.

  --period day|month|cycle|cycle:YYYY-MM-DD   default cycle (from --cycle-start, else the calendar month)
  --cycle-start YYYY-MM-DD   billing cycles restart on this day of each month
  --at DATE                  the window containing DATE instead of now
  --source auto|meter|ledger default auto
  --meter URL                the meter to read: redis://host:port/db, sqlite:PATH or memory
                             (default: LLM_LEDGER_METER, then REDIS_HOST..., then the ledger's SQLite file)
  --key-prefix PREFIX        the Redis meter's key prefix (default llm-ledger:)
  --db PATH  --config FILE   the ledger, as for the other commands
  --exact                    costs with every digit (default: default_rounding_decimals places)

With --source auto the meter's counters are shown; when the meter has nothing for this window (it was
not attached, or it is unreachable), the usage is computed from the ledger's records instead, by their
start time. Custom dimensions exist only in the meter.`;

const LEDGER_FILTERS: Record<string, keyof CallFilter> = {
  user: 'userId',
  tenant: 'tenantId',
  model: 'model',
  provider: 'provider',
};

interface UsageReport {
  subject: string;
  period: string;
  windowStart: string;
  windowEnd: string;
  /** `meter:redis`, `meter:sqlite`, or `ledger` (computed from the records). */
  source: string;
  requests: number;
  tokens: MeterUsage['tokens'];
  cost: string;
  currency: string;
  unpricedRequests: number;
  reserved: MeterUsage['reserved'] | null;
  /** Only from the ledger: calls whose stored cost is no decimal, left out of `cost`. */
  malformedRows?: MalformedRows;
}

export const command: CliCommand = {
  name: 'usage',
  summary: "one user's (tenant's, ...) usage and cost in the current billing cycle, day or month",
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        user: { type: 'string' },
        tenant: { type: 'string' },
        subject: { type: 'string' },
        period: { type: 'string' },
        'cycle-start': { type: 'string' },
        at: { type: 'string' },
        source: { type: 'string' },
        meter: { type: 'string' },
        'key-prefix': { type: 'string' },
        json: { type: 'boolean' },
        ...EXACT_OPTION,
      },
      strict: true,
    });
    const subject = subjectFrom(values);
    const cycleStart = values['cycle-start'];
    const period = periodFrom(values.period ?? 'cycle', cycleStart);
    const at = atFrom(values.at);
    const source = values.source ?? 'auto';
    if (!['auto', 'meter', 'ledger'].includes(source)) throw new UsageError('--source is one of auto, meter, ledger');
    const { settings } = resolveLedgerConfig({ store: values.db, configFile: values.config, env: io.env, cwd: io.cwd });
    const currency = settings.baseCurrency;

    let report: UsageReport | null = null;
    if (source !== 'ledger') {
      const location = values.meter ?? meterLocationFromEnv(io.env) ?? ledgerDatabase(values, io);
      if (!location) {
        if (source === 'meter') throw new UsageError('no meter: pass --meter URL or set LLM_LEDGER_METER');
      } else {
        const meterOptions = { cycleStartDate: cycleStart, currency, keyPrefix: values['key-prefix'] };
        report = await fromMeter(location, subject, period, at, meterOptions, io, source === 'auto');
        if (report && source === 'auto' && report.requests === 0 && report.reserved?.requests === 0) report = null;
      }
    }
    report ??= await fromLedger(subject, period, at, values, io, currency);
    if (values.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(render(report, displayDecimals(values, settings.roundingDecimals)));
    return 0;
  },
};

function subjectFrom(values: { user?: string; tenant?: string; subject?: string }): Subject {
  const given = [values.user, values.tenant, values.subject].filter((value) => value !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --user, --tenant or --subject');
  try {
    if (values.user !== undefined) return parseSubject({ dimension: 'user', id: values.user });
    if (values.tenant !== undefined) return parseSubject({ dimension: 'tenant', id: values.tenant });
    return parseSubject(values.subject!);
  } catch {
    throw new UsageError('the subject needs a non-empty id (--subject takes DIMENSION:ID, such as apiKey:key-1)');
  }
}

function periodFrom(period: string, cycleStart: string | undefined): PeriodInput {
  try {
    parsePeriod(period as PeriodInput, cycleStart);
  } catch {
    throw new UsageError(
      `--period ${period} is not one of day, month, cycle, cycle:YYYY-MM-DD (or --cycle-start is not a date)`,
    );
  }
  return period as PeriodInput;
}

function atFrom(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const time = Date.parse(value);
  if (!Number.isFinite(time)) throw new UsageError(`--at ${value} is not a date`);
  return time;
}

/** The ledger's SQLite file, when it is one that exists: the SQLite meter keeps its tables there. */
function ledgerDatabase(values: { db?: string; config?: string }, io: CliIo): string | undefined {
  const location = resolveLedgerConfig({
    store: values.db,
    configFile: values.config,
    env: io.env,
    cwd: io.cwd,
  }).storeLocation;
  if (location === 'memory') return undefined;
  const path = location.replace(/^(sqlite|file):(\/\/)?/, '');
  if (path === ':memory:') return undefined;
  const absolute = resolve(io.cwd, path);
  return existsSync(absolute) ? `sqlite:${absolute}` : undefined;
}

async function fromMeter(
  location: string,
  subject: Subject,
  period: PeriodInput,
  at: number,
  options: { cycleStartDate?: string; currency: string; keyPrefix?: string },
  io: CliIo,
  fallback: boolean,
): Promise<UsageReport | null> {
  const meter = createMeter({ ...options, backend: location, cwd: io.cwd, env: io.env, logger: stderrLogger(io) });
  try {
    const usage = await meter.get(subject, period, at);
    return {
      ...usage,
      windowStart: usage.windowStart.toISOString(),
      windowEnd: usage.windowEnd.toISOString(),
      source: `meter:${meter.kind}`,
    };
  } catch (error) {
    if (!fallback && error instanceof MeterUnavailableError) {
      throw new MeterUnavailableError(
        `the meter at ${redactRedisUrl(location)} is unavailable (${error.message}); ` +
          'check --meter (or LLM_LEDGER_METER), or read the ledger instead with --source ledger',
        error,
      );
    }
    if (!fallback || !(error instanceof MeterUnavailableError)) throw error;
    io.stderr(
      `llm-ledger: the meter at ${redactRedisUrl(location)} is unavailable; computing from the ledger's records\n`,
    );
    return null;
  } finally {
    await meter.close().catch(() => undefined);
  }
}

async function fromLedger(
  subject: Subject,
  period: PeriodInput,
  at: number,
  values: { db?: string; config?: string },
  io: CliIo,
  currency: string,
): Promise<UsageReport> {
  const filterKey = LEDGER_FILTERS[subject.dimension];
  if (!filterKey) {
    throw new UsageError(
      `the ledger's records have no ${subject.dimension} dimension; read it from the meter (--meter URL)`,
    );
  }
  const window = windowOf(parsePeriod(period), at);
  const ledger = openCliLedger(values, io);
  try {
    const where: CallFilter = { [filterKey]: subject.id, from: new Date(window.startMs), to: new Date(window.endMs) };
    const rows = await ledger.usage.summary({ where });
    const row = rows[0];
    io.stderr(malformedRowsWarning(row?.malformedRows, 'their cost is not included in the cost below'));
    return {
      subject: formatSubject(subject),
      period: parsePeriod(period).name,
      windowStart: new Date(window.startMs).toISOString(),
      windowEnd: new Date(window.endMs).toISOString(),
      source: 'ledger',
      requests: row?.calls ?? 0,
      tokens: {
        input: row?.tokens.input ?? 0,
        cacheRead: row?.tokens.cacheRead ?? 0,
        cacheWrite: row?.tokens.cacheWrite ?? 0,
        output: row?.tokens.output ?? 0,
        reasoning: row?.tokens.reasoning ?? 0,
        total: row?.tokens.total ?? 0,
      },
      cost: row?.cost ?? '0',
      currency,
      unpricedRequests: row?.unpricedCalls ?? 0,
      reserved: null,
      ...(row?.malformedRows && { malformedRows: row.malformedRows }),
    };
  } finally {
    await ledger.close();
  }
}

function render(report: UsageReport, decimals: number | 'exact'): string {
  // Rounded like every other display; --exact (or --json) gives the last digit of a usage check.
  const exact = (amount: string) => formatCost(amount, report.currency, decimals);
  const rows: string[][] = [
    ['requests', formatInteger(report.requests)],
    ['input tokens', formatInteger(report.tokens.input)],
    ['  cache read', formatInteger(report.tokens.cacheRead)],
    ['  cache write', formatInteger(report.tokens.cacheWrite)],
    ['output tokens', formatInteger(report.tokens.output)],
    ['  reasoning', formatInteger(report.tokens.reasoning)],
    ['total tokens', formatInteger(report.tokens.total)],
    ['cost', exact(report.cost)],
  ];
  if (report.unpricedRequests > 0) rows.push(['unpriced requests', formatInteger(report.unpricedRequests)]);
  if (report.reserved) {
    rows.push(['reserved cost', exact(report.reserved.cost)]);
    rows.push(['reserved tokens', formatInteger(report.reserved.tokens)]);
    rows.push(['running calls', formatInteger(report.reserved.requests)]);
  }
  const table = renderTable([{ header: report.subject }, { header: report.period, align: 'right' }], rows);
  const note = report.unpricedRequests > 0 ? '\nUnpriced requests (unknown model) are not included in the cost.' : '';
  return `${table}\n\nwindow ${report.windowStart} to ${report.windowEnd} (source: ${report.source})${note}\n`;
}
