import { parseArgs } from 'node:util';
import { parseDecimal, toFixedDecimal } from '../../core/money.js';
import type { CallCost, CallRecord } from '../../core/record.js';
import { redactSecrets } from '../../core/secret-redaction.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { ExportWriteError, fileOutput, stdoutOutput, type ExportOutput } from '../format/export-output.js';
import { printable, terminalSafeJson } from '../format/printable.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromOptions, LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger export [--format jsonl|csv] [--out FILE] [--round N] [--since 30d] [filters] [--db PATH]

Streams every matching record, oldest first, to stdout or FILE, a page at a time (memory stays
flat whatever the size; a slow reader slows the export down, nothing is dropped). jsonl: one full
record per line. csv: one row per call with the attribution, model, tokens, cost and timing
columns (messages are left out). Costs are exact; --round N rounds them to N decimals (half away
from zero) for display-oriented consumers. FILE appears only once complete: a failed export
(a full disk) leaves no partial file. Progress goes to stderr for long exports.

${FILTER_USAGE}`;

const PAGE_SIZE = 1000;
const CSV_COLUMNS: ReadonlyArray<[string, (record: CallRecord, round: number | undefined) => unknown]> = [
  ['id', (r) => r.id],
  ['started_at', (r) => r.startedAt],
  ['ended_at', (r) => r.endedAt],
  ['trace_id', (r) => r.traceId],
  ['parent_id', (r) => r.parentId],
  ['session_id', (r) => r.sessionId],
  ['user_id', (r) => r.userId],
  ['tenant_id', (r) => r.tenantId],
  ['request_id', (r) => r.requestId],
  ['call_type', (r) => r.callType],
  ['provider', (r) => r.provider],
  ['model', (r) => r.model],
  ['status', (r) => r.status],
  ['input_tokens', (r) => r.tokens.input],
  ['output_tokens', (r) => r.tokens.output],
  ['total_tokens', (r) => r.tokens.total],
  ['cache_read_tokens', (r) => r.tokens.cacheRead],
  ['cache_write_tokens', (r) => r.tokens.cacheWrite],
  ['reasoning_tokens', (r) => r.tokens.reasoning],
  ['cost', (r, round) => (round === undefined ? r.cost?.total : roundAmount(r.cost?.total, round))],
  ['currency', (r) => r.cost?.currency],
  ['cost_status', (r) => r.cost?.status],
  ['latency_ms', (r) => r.latencyMs],
  ['ttft_ms', (r) => r.ttftMs],
  ['error_type', (r) => r.errorType],
  ['tags', (r) => r.tags.join(';')],
];

// Control characters other than tab and line breaks (which CSV quoting carries), DEL, C1 and
// bidirectional overrides: shown as visible escapes, never passed to a terminal or spreadsheet raw.
// eslint-disable-next-line no-control-regex
const CSV_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value).replace(CSV_UNSAFE, (char) => printable(char));
  // Quote when needed; a leading = + - @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * JSON of a record for a line of the export, terminal-safe (see terminalSafeJson). Error
 * messages pass through secret redaction again, for records stored before it existed.
 */
export function jsonLine(record: CallRecord, round: number | undefined): string {
  const exported =
    round === undefined && record.errorMessage === null
      ? record
      : {
          ...record,
          errorMessage: record.errorMessage === null ? null : redactSecrets(record.errorMessage),
          cost: round === undefined || record.cost === null ? record.cost : roundCost(record.cost, round),
        };
  return terminalSafeJson(exported);
}

function roundAmount(amount: string | null | undefined, places: number): string | null | undefined {
  return amount === null || amount === undefined ? amount : toFixedDecimal(parseDecimal(amount), places);
}

/** The cost with its total and breakdown rounded half away from zero to `places` decimals. */
function roundCost(cost: CallCost, places: number): CallCost {
  const breakdown: CallCost['breakdown'] = {};
  for (const [bucket, amount] of Object.entries(cost.breakdown) as Array<[keyof CallCost['breakdown'], string]>) {
    breakdown[bucket] = roundAmount(amount, places) as string;
  }
  return { ...cost, total: roundAmount(cost.total, places) as string | null, breakdown };
}

function parseRound(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const places = Number(value);
  if (!/^\d+$/.test(value) || places > 18) {
    throw new UsageError(`--round ${value} is not a whole number of decimals from 0 to 18`);
  }
  return places;
}

export const command: CliCommand = {
  name: 'export',
  summary: 'stream records as JSON lines or CSV',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        ...FILTER_OPTIONS,
        format: { type: 'string' },
        out: { type: 'string' },
        round: { type: 'string' },
      },
      strict: true,
    });
    const format = values.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format ${format} is not jsonl or csv`);
    const round = parseRound(values.round);
    const filter = filterFromOptions(values);
    const ledger = openCliLedger(values, io);
    let output: ExportOutput | undefined;
    let count = 0;
    let lastProgress = Date.now();
    try {
      output = values.out ? fileOutput(values.out, io.cwd) : stdoutOutput(io);
      const write = async (text: string) => {
        try {
          await output!.write(text);
        } catch (error) {
          throw new ExportWriteError(output!.name, count, error);
        }
      };
      if (format === 'csv') await write(`${CSV_COLUMNS.map(([name]) => name).join(',')}\n`);
      let cursor: string | undefined;
      do {
        const page = await ledger.calls.list({ ...filter, order: 'asc', limit: PAGE_SIZE, cursor });
        let chunk = '';
        for (const record of page.records) {
          chunk +=
            format === 'jsonl'
              ? `${jsonLine(record, round)}\n`
              : `${CSV_COLUMNS.map(([, pick]) => csvField(pick(record, round))).join(',')}\n`;
        }
        await write(chunk);
        count += page.records.length;
        cursor = page.nextCursor ?? undefined;
        if (Date.now() - lastProgress > 1000) {
          lastProgress = Date.now();
          io.stderr(`\rexported ${count.toLocaleString('en-US')} records...`);
        }
      } while (cursor !== undefined);
      try {
        await output.finish();
      } catch (error) {
        throw new ExportWriteError(output.name, count, error);
      }
      output = undefined;
      io.stderr(`${count > PAGE_SIZE ? '\r' : ''}exported ${count.toLocaleString('en-US')} records\n`);
      return 0;
    } finally {
      await output?.abort();
      await ledger.close();
    }
  },
};
