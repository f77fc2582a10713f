import { parseArgs } from 'node:util';
import { isMalformedAmount, MalformedRowTally } from '../../core/malformed-rows.js';
import type { CallRecord } from '../../core/record.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { malformedRowsWarning } from '../format/malformed-warning.js';
import { displayDecimals, EXACT_OPTION, formatCost } from '../format/money-format.js';
import { clip, terminalSafeJson } from '../format/printable.js';
import { formatInteger, formatMs, renderTable } from '../format/table.js';
import { FILTER_OPTIONS, FILTER_USAGE, filterFromOptions, LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger calls [filters] [--limit N] [--cursor C] [--asc] [--exact] [--json] [--db PATH]

Lists recorded calls, newest first. --json prints whole records (messages included).
Costs show default_rounding_decimals places (--exact: every digit; --json is always exact).

${FILTER_USAGE}`;

export const command: CliCommand = {
  name: 'calls',
  summary: 'list recorded calls with filters',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        ...LEDGER_OPTIONS,
        ...FILTER_OPTIONS,
        limit: { type: 'string' },
        cursor: { type: 'string' },
        asc: { type: 'boolean' },
        json: { type: 'boolean' },
        ...EXACT_OPTION,
      },
      strict: true,
    });
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit ${values.limit} is not a positive whole number`);
    const filter = filterFromOptions(values);
    const ledger = openCliLedger(values, io);
    try {
      const page = await ledger.calls.list({
        ...filter,
        limit,
        cursor: values.cursor,
        order: values.asc ? 'asc' : 'desc',
      });
      io.stderr(malformedRowsWarning(malformedOnPage(page.records), 'their cost is shown as stored'));
      if (values.json) {
        io.stdout(`${terminalSafeJson(page, 2)}\n`);
        return 0;
      }
      if (page.records.length === 0) {
        io.stdout('No calls match.\n');
        return 0;
      }
      io.stdout(`${renderCalls(page.records, displayDecimals(values, ledger.settings.roundingDecimals))}\n`);
      if (page.nextCursor) io.stdout(`\nmore: --cursor ${page.nextCursor}\n`);
      return 0;
    } finally {
      await ledger.close();
    }
  },
};

export function renderCalls(records: readonly CallRecord[], decimals: number | 'exact'): string {
  return renderTable(
    [
      { header: 'id' },
      { header: 'started (UTC)' },
      { header: 'type' },
      { header: 'model' },
      { header: 'status' },
      { header: 'user' },
      { header: 'in', align: 'right' },
      { header: 'out', align: 'right' },
      { header: 'cost', align: 'right' },
      { header: 'ms', align: 'right' },
      { header: 'prompt' },
    ],
    records.map((record) => [
      record.id,
      record.startedAt.slice(0, 19).replace('T', ' '),
      record.callType,
      clip(record.model, 32),
      record.status + (record.streamed ? '~' : ''),
      clip(record.userId ?? '-', 16),
      formatInteger(record.tokens.input),
      formatInteger(record.tokens.output),
      record.cost ? formatCost(record.cost.total, record.cost.currency, decimals) : '-',
      formatMs(record.latencyMs),
      clip(lastUserText(record), 40),
    ]),
  );
}

/** The listed calls whose stored cost is no decimal number. */
function malformedOnPage(records: readonly CallRecord[]) {
  const tally = new MalformedRowTally();
  for (const record of records) if (isMalformedAmount(record.cost?.total)) tally.add(record.id);
  return tally.result();
}

/** The last user message as one line of text, for a preview. */
export function lastUserText(record: CallRecord): string {
  for (let index = record.messages.length - 1; index >= 0; index--) {
    const message = record.messages[index] as { role?: unknown; content?: unknown } | null;
    if (message && message.role === 'user') return contentText(message.content);
  }
  return '';
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join(' ');
  }
  return '';
}
