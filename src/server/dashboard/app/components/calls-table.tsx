import type { ComponentChildren } from 'preact';
import { formatInt, formatMoney, formatMs, formatTime } from '../lib/format.js';
import { href } from '../lib/route.js';
import { StatusBadge, Text } from './ui.js';

/**
 * What a call row shows: the fields both a stored call (`/api/v1/calls`) and a live tail event
 * (`event: call`) carry, so the calls page and the live page draw their rows with one component.
 */
export interface CallRowData {
  id: string;
  startedAt: string;
  endedAt: string;
  provider: string;
  model: string;
  status: string;
  userId: string | null;
  tenantId: string | null;
  callType: string;
  tokens: { input: number; output: number; total: number };
  cost: { total: string | null; currency: string } | null;
  latencyMs: number;
}

interface Column {
  header: string;
  numeric?: boolean;
  cell: (call: CallRowData) => ComponentChildren;
  cellClass?: string;
}

/** A time cell links to the call's detail, so the table is walkable by Tab. */
const timeLink = (iso: string, call: CallRowData) => <a href={href(['calls', call.id])}>{formatTime(iso)}</a>;

export const CALL_COLUMNS = {
  started: { header: 'Time (UTC)', cellClass: 'nowrap', cell: (call) => timeLink(call.startedAt, call) },
  ended: { header: 'Ended (UTC)', cellClass: 'nowrap', cell: (call) => timeLink(call.endedAt, call) },
  model: { header: 'Model', cellClass: 'truncate', cell: (call) => <Text value={call.model} /> },
  modelAndProvider: {
    header: 'Model',
    cellClass: 'truncate',
    cell: (call) => (
      <>
        <Text value={call.model} />
        <span class="muted small"> {call.provider}</span>
      </>
    ),
  },
  status: { header: 'Status', cell: (call) => <StatusBadge status={call.status} /> },
  user: { header: 'User', cellClass: 'truncate', cell: (call) => <Text value={call.userId} /> },
  tenant: { header: 'Tenant', cellClass: 'truncate', cell: (call) => <Text value={call.tenantId} /> },
  callType: { header: 'Type', cellClass: 'truncate', cell: (call) => <Text value={call.callType} /> },
  input: { header: 'In', numeric: true, cell: (call) => formatInt(call.tokens.input) },
  output: { header: 'Out', numeric: true, cell: (call) => formatInt(call.tokens.output) },
  tokens: { header: 'Tokens', numeric: true, cell: (call) => formatInt(call.tokens.total) },
  cost: {
    header: 'Cost',
    numeric: true,
    cell: (call) =>
      call.cost === null ? (
        <span class="muted">—</span>
      ) : call.cost.total === null ? (
        <span class="muted">unpriced</span>
      ) : (
        formatMoney(call.cost.total, call.cost.currency)
      ),
  },
  latency: { header: 'Latency', numeric: true, cell: (call) => formatMs(call.latencyMs) },
} satisfies Record<string, Column>;

export type CallColumn = keyof typeof CALL_COLUMNS;

/** The calls page: when each call started, and its token buckets. */
export const CALL_LIST_COLUMNS: readonly CallColumn[] = [
  'started',
  'modelAndProvider',
  'status',
  'user',
  'tenant',
  'callType',
  'input',
  'output',
  'cost',
  'latency',
];

/** The live tail: when each call ended (the order events come in), and its total tokens. */
export const LIVE_COLUMNS: readonly CallColumn[] = [
  'ended',
  'model',
  'status',
  'user',
  'tenant',
  'tokens',
  'cost',
  'latency',
];

/** One call's row, its cells in the order of `columns`. */
export function CallRow({ call, columns }: { call: CallRowData; columns: readonly CallColumn[] }) {
  return (
    <tr data-call-id={call.id}>
      {columns.map((name) => {
        const column: Column = CALL_COLUMNS[name];
        return (
          <td key={name} class={column.numeric ? 'num' : column.cellClass}>
            {column.cell(call)}
          </td>
        );
      })}
    </tr>
  );
}

export function CallsTable({
  calls,
  columns,
  id,
}: {
  calls: readonly CallRowData[];
  columns: readonly CallColumn[];
  id?: string;
}) {
  return (
    <div class="table-scroll">
      <table class="table" id={id}>
        <thead>
          <tr>
            {columns.map((name) => {
              const column: Column = CALL_COLUMNS[name];
              return (
                <th key={name} scope="col" class={column.numeric ? 'num' : undefined}>
                  {column.header}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <CallRow key={call.id} call={call} columns={columns} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
