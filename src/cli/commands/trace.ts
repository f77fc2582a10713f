import { parseArgs } from 'node:util';
import { sumDecimalStrings } from '../../core/money.js';
import { redactSecrets } from '../../core/secret-redaction.js';
import type { CallRecord } from '../../core/record.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { formatCost } from '../format/money-format.js';
import { clip, printable, terminalSafeJson } from '../format/printable.js';
import { formatInteger, formatMs } from '../format/table.js';
import { LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';

const USAGE = `llm-ledger trace <trace-id> [--json] [--db PATH]

Shows every call of a trace as a tree of parent and child calls.`;

export const command: CliCommand = {
  name: 'trace',
  summary: 'show the calls of one trace as a tree',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...LEDGER_OPTIONS, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    const traceId = positionals[0];
    if (!traceId || positionals.length > 1) throw new UsageError('give exactly one trace id');
    const ledger = openCliLedger(values, io);
    try {
      const records = await ledger.calls.byTrace(traceId);
      if (values.json) {
        io.stdout(`${terminalSafeJson(records, 2)}\n`);
        return records.length === 0 ? 1 : 0;
      }
      if (records.length === 0) {
        io.stderr(`No calls recorded for trace ${printable(traceId)}\n`);
        return 1;
      }
      io.stdout(renderTrace(traceId, records, ledger.settings.roundingDecimals));
      return 0;
    } finally {
      await ledger.close();
    }
  },
};

/** Calls whose parent is not in the trace are shown as roots, so nothing is hidden. */
export function renderTrace(traceId: string, records: readonly CallRecord[], decimals: number): string {
  const ids = new Set(records.map((record) => record.id));
  const children = new Map<string | null, CallRecord[]>();
  for (const record of records) {
    const parent = record.parentId !== null && ids.has(record.parentId) ? record.parentId : null;
    const siblings = children.get(parent) ?? [];
    siblings.push(record);
    children.set(parent, siblings);
  }
  const tokens = records.reduce((total, record) => total + record.tokens.total, 0);
  const currency = records.find((record) => record.cost)?.cost?.currency ?? 'USD';
  const cost = sumDecimalStrings(records.map((record) => record.cost?.total));
  const lines = [
    `trace ${printable(traceId)}: ${records.length} calls, ${formatInteger(tokens)} tokens, ${formatCost(cost, currency, decimals)}`,
  ];
  // Each call is shown once: a parent cycle (A's parent is B, B's parent is A) has no root, so
  // what the walk from the roots did not reach is shown from its first call, marked as a cycle.
  const shown = new Set<string>();
  const walk = (parent: string | null, prefix: string) => {
    const list = (children.get(parent) ?? []).filter((record) => !shown.has(record.id));
    list.forEach((record) => shown.add(record.id));
    list.forEach((record, index) => {
      const last = index === list.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${describe(record, decimals)}`);
      walk(record.id, prefix + (last ? '   ' : '│  '));
    });
  };
  walk(null, '');
  for (const record of records) {
    if (shown.has(record.id)) continue;
    shown.add(record.id);
    lines.push(
      `└─ ${describe(record, decimals)} (parent cycle: its parent ${clip(record.parentId ?? '', 40)} descends from it)`,
    );
    walk(record.id, '   ');
  }
  return `${lines.join('\n')}\n`;
}

function describe(record: CallRecord, decimals: number): string {
  const cost = record.cost ? formatCost(record.cost.total, record.cost.currency, decimals) : 'no cost';
  const error = record.errorMessage ? ` ${clip(redactSecrets(record.errorMessage), 60)}` : '';
  return (
    `${printable(record.callType)} ${clip(record.model, 40)} ${record.status}${record.streamed ? ' (streamed)' : ''} ` +
    `${formatMs(record.latencyMs)} ms, in ${formatInteger(record.tokens.input)} / out ${formatInteger(record.tokens.output)}, ${cost}` +
    `${error}  [${printable(record.id)}]`
  );
}
