import { Card, Empty, Page, StatusBadge, Text } from '../components/ui.js';
import { dataText, formatInt, formatMoney, formatMs, formatTime } from '../lib/format.js';
import { useEvents, type AlertEvent, type CallEvent } from '../lib/events.js';
import { href } from '../lib/route.js';

export function LivePage() {
  const { events, connection } = useEvents();
  const calls = events.filter((event) => event.type === 'call').map((event) => event.data as CallEvent);
  const alerts = events.filter((event) => event.type === 'alert').map((event) => event.data as AlertEvent);
  return (
    <Page
      title="Live tail"
      subtitle="Calls and alerts as this server's ledger records them, newest first. Calls recorded by other processes are not shown here."
    >
      <p class={`connection ${connection}`} role="status" id="live-status">
        <span class="dot" aria-hidden="true" />
        {connection === 'open'
          ? 'Connected, waiting for calls'
          : connection === 'connecting'
            ? 'Connecting…'
            : 'Disconnected, retrying'}
        {calls.length > 0 && ` · ${formatInt(calls.length)} calls received`}
      </p>
      {alerts.length > 0 && (
        <Card title="Alerts">
          <AlertList alerts={alerts} />
        </Card>
      )}
      <Card title="Calls">
        {calls.length === 0 ? (
          <Empty>No call recorded since this page opened.</Empty>
        ) : (
          <div class="table-scroll">
            <table class="table" id="live-table">
              <thead>
                <tr>
                  <th scope="col">Ended (UTC)</th>
                  <th scope="col">Model</th>
                  <th scope="col">Status</th>
                  <th scope="col">User</th>
                  <th scope="col">Tenant</th>
                  <th scope="col" class="num">
                    Tokens
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
                {calls.map((call) => (
                  <tr key={call.id} data-call-id={call.id}>
                    <td class="nowrap">
                      <a href={href(['calls', call.id])}>{formatTime(call.endedAt)}</a>
                    </td>
                    <td class="truncate">
                      <Text value={call.model} />
                    </td>
                    <td>
                      <StatusBadge status={call.status} />
                    </td>
                    <td class="truncate">
                      <Text value={call.userId} />
                    </td>
                    <td class="truncate">
                      <Text value={call.tenantId} />
                    </td>
                    <td class="num">{formatInt(call.tokens.total)}</td>
                    <td class="num">
                      {call.cost?.total ? (
                        formatMoney(call.cost.total, call.cost.currency)
                      ) : (
                        <span class="muted">unpriced</span>
                      )}
                    </td>
                    <td class="num">{formatMs(call.latencyMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </Page>
  );
}

export function AlertList({ alerts }: { alerts: AlertEvent[] }) {
  return (
    <ul class="alerts">
      {alerts.map((alert, index) => (
        <li key={index} class={`alert source-${alert.source}`}>
          <div class="alert-head">
            <span class="badge warn">{alert.source}</span>{' '}
            <strong>
              <Text value={alert.name} />
            </strong>{' '}
            <span class="muted small">{formatTime(alert.at)}</span>
          </div>
          <pre class="text-block small">{dataText(alert.fields)}</pre>
        </li>
      ))}
    </ul>
  );
}
