import { CallsTable, LIVE_COLUMNS } from '../components/calls-table.js';
import { Card, Empty, Page, Text } from '../components/ui.js';
import { dataText, formatInt, formatTime } from '../lib/format.js';
import { useEvents, type AlertEvent, type CallEvent, type MissedEvent } from '../lib/events.js';

export function LivePage() {
  const { events, connection } = useEvents();
  const calls = events.filter((event) => event.type === 'call').map((event) => event.data as CallEvent);
  const alerts = events.filter((event) => event.type === 'alert').map((event) => event.data as AlertEvent);
  // The newest gap only: after it, the calls shown are complete again.
  const missed = events.find((event) => event.type === 'missed')?.data as MissedEvent | undefined;
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
      {missed && (
        <p class="notice" role="alert" id="live-missed">
          Some calls were missed while reconnecting: <Text value={missed.message} />
        </p>
      )}
      {alerts.length > 0 && (
        <Card title="Alerts">
          <AlertList alerts={alerts} />
        </Card>
      )}
      <Card title="Calls">
        {calls.length === 0 ? (
          <Empty>No call recorded since this page opened.</Empty>
        ) : (
          <CallsTable calls={calls} columns={LIVE_COLUMNS} id="live-table" />
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
