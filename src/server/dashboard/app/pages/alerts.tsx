import { Card, Empty, ErrorBox, Loading, Page, Text } from '../components/ui.js';
import { apiUrl, ApiError, useApi } from '../lib/api.js';
import { useEvents, type AlertEvent } from '../lib/events.js';
import { formatTime } from '../lib/format.js';
import { AlertList } from './live.js';

/** `GET /api/v1/alerts`: the monitor's alerts above their threshold now, and the recent crossings. */
interface AlertsAnswer {
  active: string[];
  recent: AlertEvent[];
  at?: string;
}

export function AlertsPage() {
  const loaded = useApi<AlertsAnswer>(apiUrl('alerts'));
  const { events } = useEvents();
  const live = events.filter((event) => event.type === 'alert').map((event) => event.data as AlertEvent);
  const unavailable =
    loaded.error instanceof ApiError && (loaded.error.status === 404 || /monitor/i.test(loaded.error.message));
  const recent = [...live, ...(loaded.data?.recent ?? [])];
  return (
    <Page
      title="Alerts"
      subtitle="The performance monitor's active alerts and the recent threshold crossings of monitors and budgets."
    >
      <Card title="Active now">
        {unavailable ? (
          <Empty>No performance monitor is attached to this server's ledger, so there is no active alert state.</Empty>
        ) : loaded.error ? (
          <ErrorBox error={loaded.error} />
        ) : !loaded.data ? (
          <Loading />
        ) : loaded.data.active.length === 0 ? (
          <Empty>
            Nothing is above its threshold{loaded.data.at ? ` (as of ${formatTime(loaded.data.at)} UTC)` : ''}.
          </Empty>
        ) : (
          <ul class="active-alerts" id="active-alerts">
            {loaded.data.active.map((alert) => (
              <li key={alert}>
                <span class="badge bad">active</span> <Text value={alert} />
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Recent crossings">
        {recent.length === 0 ? <Empty>No alert has been raised recently.</Empty> : <AlertList alerts={recent} />}
      </Card>
    </Page>
  );
}
