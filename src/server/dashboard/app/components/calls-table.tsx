import type { CallRecord } from '../lib/api.js';
import { formatInt, formatMoney, formatMs, formatTime } from '../lib/format.js';
import { href } from '../lib/route.js';
import { StatusBadge, Text } from './ui.js';

/** One row per call; the time links to the call's detail, so the table is walkable by Tab. */
export function CallsTable({ records, id }: { records: CallRecord[]; id?: string }) {
  return (
    <div class="table-scroll">
      <table class="table" id={id}>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">User</th>
            <th scope="col">Tenant</th>
            <th scope="col">Type</th>
            <th scope="col" class="num">
              In
            </th>
            <th scope="col" class="num">
              Out
            </th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col" class="num">
              Latency
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr key={record.id} data-call-id={record.id}>
              <td class="nowrap">
                <a href={href(['calls', record.id])}>{formatTime(record.startedAt)}</a>
              </td>
              <td class="truncate">
                <Text value={record.model} />
                <span class="muted small"> {record.provider}</span>
              </td>
              <td>
                <StatusBadge status={record.status} />
              </td>
              <td class="truncate">
                <Text value={record.userId} />
              </td>
              <td class="truncate">
                <Text value={record.tenantId} />
              </td>
              <td class="truncate">
                <Text value={record.callType} />
              </td>
              <td class="num">{formatInt(record.tokens.input)}</td>
              <td class="num">{formatInt(record.tokens.output)}</td>
              <td class="num">
                {record.cost === null ? (
                  <span class="muted">—</span>
                ) : record.cost.total === null ? (
                  <span class="muted">unpriced</span>
                ) : (
                  formatMoney(record.cost.total, record.cost.currency)
                )}
              </td>
              <td class="num">{formatMs(record.latencyMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
