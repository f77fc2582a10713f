import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import './styles.css';
import { AlertsPage } from './pages/alerts.js';
import { BreakdownPage } from './pages/breakdown.js';
import { BudgetsPage } from './pages/budgets.js';
import { CallDetailPage } from './pages/call-detail.js';
import { CallsPage } from './pages/calls.js';
import { LivePage } from './pages/live.js';
import { OverviewPage } from './pages/overview.js';
import { PricesPage } from './pages/prices.js';
import { TracePage } from './pages/trace.js';
import { href, useRoute, type Route } from './lib/route.js';

const NAV: { page: string; label: string }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'breakdown', label: 'Breakdown' },
  { page: 'calls', label: 'Calls' },
  { page: 'traces', label: 'Traces' },
  { page: 'live', label: 'Live tail' },
  { page: 'budgets', label: 'Budgets' },
  { page: 'alerts', label: 'Alerts' },
  { page: 'prices', label: 'Prices' },
];

/** Filters that carry over between the query pages, so a chosen range and model stay chosen. */
const SHARED = ['range', 'from', 'to', 'model', 'provider', 'user', 'tenant', 'status', 'callType', 'tag'];
const QUERY_PAGES = new Set(['overview', 'breakdown', 'calls']);

function App() {
  const route = useRoute();
  const page = route.path[0] ?? 'overview';
  const heading = useRef<string>('');
  useEffect(() => {
    const title = NAV.find((entry) => entry.page === page)?.label ?? 'Call';
    document.title = `${title} · llm-ledger`;
    // Move focus to the new page's heading when the page (not just a filter) changes, for keyboard and screen reader users.
    const key = route.path.join('/');
    if (heading.current && heading.current !== key) document.getElementById('page-title')?.focus();
    heading.current = key;
  });
  return (
    <div class="shell">
      <a
        class="skip"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href(['overview'])}>
          <span class="logo" aria-hidden="true">
            ◆
          </span>{' '}
          llm-ledger
        </a>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((entry) => {
              const params = QUERY_PAGES.has(entry.page) && QUERY_PAGES.has(page) ? carried(route) : undefined;
              const current = entry.page === page || (entry.page === 'calls' && page === 'calls');
              return (
                <li key={entry.page}>
                  <a href={href([entry.page], params)} aria-current={current ? 'page' : undefined}>
                    {entry.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <PageFor route={route} page={page} />
      </main>
    </div>
  );
}

function carried(route: Route): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of SHARED) {
    const value = route.params.get(name);
    if (value) params.set(name, value);
  }
  return params;
}

function PageFor({ route, page }: { route: Route; page: string }) {
  switch (page) {
    case 'overview':
      return <OverviewPage route={route} />;
    case 'breakdown':
      return <BreakdownPage route={route} />;
    case 'calls':
      return route.path[1] ? <CallDetailPage id={route.path[1]} /> : <CallsPage route={route} />;
    case 'traces':
      return <TracePage traceId={route.path[1]} />;
    case 'live':
      return <LivePage />;
    case 'budgets':
      return <BudgetsPage />;
    case 'alerts':
      return <AlertsPage />;
    case 'prices':
      return <PricesPage route={route} />;
    default:
      return (
        <section class="page">
          <h1 id="page-title" tabIndex={-1}>
            Page not found
          </h1>
          <p>
            <a href={href(['overview'])}>Go to the overview</a>
          </p>
        </section>
      );
  }
}

render(<App />, document.getElementById('app')!);
