import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CallRecord } from '../../core/record.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromOptions, LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger export [--format jsonl|csv] [--out FILE] [--since 30d] [filters] [--db PATH]

Streams every matching record, oldest first, to stdout or FILE, a page at a time (memory stays
flat whatever the size). jsonl: one full record per line. csv: one row per call with the
attribution, model, tokens, cost and timing columns (messages are left out).
Progress goes to stderr for long exports.

${FILTER_USAGE}`;

const PAGE_SIZE = 1000;
const CSV_COLUMNS: ReadonlyArray<[string, (record: CallRecord) => unknown]> = [
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
  ['cost', (r) => r.cost?.total],
  ['currency', (r) => r.cost?.currency],
  ['cost_status', (r) => r.cost?.status],
  ['latency_ms', (r) => r.latencyMs],
  ['ttft_ms', (r) => r.ttftMs],
  ['error_type', (r) => r.errorType],
  ['tags', (r) => r.tags.join(';')],
];

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // Quote when needed; a leading = + - @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const command: CliCommand = {
  name: 'export',
  summary: 'stream records as JSON lines or CSV',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { ...LEDGER_OPTIONS, ...FILTER_OPTIONS, format: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    const format = values.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format ${format} is not jsonl or csv`);
    const filter = filterFromOptions(values);
    const file: WriteStream | undefined = values.out ? createWriteStream(values.out) : undefined;
    const write = async (text: string) => {
      if (!file) return io.stdout(text);
      // Respect backpressure so that a slow disk does not make the export buffer everything.
      if (!file.write(text)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
    };
    const ledger = openCliLedger(values, io);
    let count = 0;
    let lastProgress = Date.now();
    try {
      if (format === 'csv') await write(`${CSV_COLUMNS.map(([name]) => name).join(',')}\n`);
      let cursor: string | undefined;
      do {
        const page = await ledger.calls.list({ ...filter, order: 'asc', limit: PAGE_SIZE, cursor });
        let chunk = '';
        for (const record of page.records) {
          chunk +=
            format === 'jsonl'
              ? `${JSON.stringify(record)}\n`
              : `${CSV_COLUMNS.map(([, pick]) => csvField(pick(record))).join(',')}\n`;
        }
        await write(chunk);
        count += page.records.length;
        cursor = page.nextCursor ?? undefined;
        if (Date.now() - lastProgress > 1000) {
          lastProgress = Date.now();
          io.stderr(`\rexported ${count.toLocaleString('en-US')} records...`);
        }
      } while (cursor !== undefined);
      io.stderr(`${count > PAGE_SIZE ? '\r' : ''}exported ${count.toLocaleString('en-US')} records\n`);
      return 0;
    } finally {
      if (file) await new Promise<void>((resolve) => file.end(() => resolve()));
      await ledger.close();
    }
  },
};
