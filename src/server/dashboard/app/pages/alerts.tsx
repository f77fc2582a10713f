import { Card, Empty, ErrorBox, Loading, Page, Text } from '../components/ui.js';
import { apiUrl, useApi } from '../lib/api.js';
import { useEvents, type AlertEvent } from '../lib/events.js';
import { formatTime } from '../lib/format.js';
import { AlertList } from './live.js';

/** `GET /api/v1/alerts`: the monitor's alerts above their threshold now, and the recent crossings. */
export interface AlertsAnswer {
  at: string;
  monitor: boolean;
  meter: boolean;
  active: string[];
  recent: AlertEvent[];
}

export function AlertsPage() {
  const loaded = useApi<AlertsAnswer>(apiUrl('alerts'));
  const { events } = useEvents();
  // Alerts raised since the page opened come over the live tail; older ones from the answer.
  const live = events.filter((event) => event.type === 'alert').map((event) => event.data as AlertEvent);
  const seen = new Set(live.map((alert) => JSON.stringify(alert)));
  const recent = [...live, ...(loaded.data?.recent ?? []).filter((alert) => !seen.has(JSON.stringify(alert)))];
  const data = loaded.data;
  return (
    <Page
      title="Alerts"
      subtitle="The performance monitor's active alerts, and the latest threshold crossings of the monitor and the budgets."
    >
      {loaded.error ? (
        <ErrorBox error={loaded.error} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <Card title="Active now">
            {!data.monitor ? (
              <Empty>
                No performance monitor is attached to this server&apos;s ledger (createLedger({'{'} monitor: true {'}'}
                )), so there is no active alert state.
              </Empty>
            ) : data.active.length === 0 ? (
              <Empty>Nothing is above its threshold (as of {formatTime(data.at)} UTC).</Empty>
            ) : (
              <ul class="active-alerts" id="active-alerts">
                {data.active.map((alert) => (
                  <li key={alert}>
                    <span class="badge bad">active</span> <Text value={alert} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title="Recent crossings">
            {recent.length === 0 ? (
              <Empty>
                No alert since this server started.
                {!data.meter && !data.monitor && ' Neither a monitor nor a meter is attached, so none will be raised.'}
              </Empty>
            ) : (
              <div id="recent-alerts">
                <AlertList alerts={recent} />
              </div>
            )}
          </Card>
        </>
      )}
    </Page>
  );
}
