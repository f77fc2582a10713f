import { CALL_LIST_COLUMNS, CallsTable } from '../components/calls-table.js';
import { FilterBar } from '../components/filter-bar.js';
import { Card, Empty, ErrorBox, Loading, Page } from '../components/ui.js';
import { apiUrl, useApi, type CallPage } from '../lib/api.js';
import { apiFilters } from '../lib/filters.js';
import { withParams, type Route } from '../lib/route.js';

const PAGE_SIZE = 50;

/**
 * Calls, newest first, with keyset paging: the next page's cursor goes into the URL, so Back
 * returns to the page before and a page can be shared.
 */
export function CallsPage({ route }: { route: Route }) {
  const params = route.params;
  const cursor = params.get('cursor') ?? undefined;
  const query = {
    ...apiFilters(params),
    limit: String(PAGE_SIZE),
    order: 'desc',
    cursor,
    traceId: params.get('trace') ?? undefined,
  };
  const page = useApi<CallPage>(apiUrl('calls', query));
  return (
    <Page title="Calls" subtitle="Every recorded call, newest first. Open one for its messages, tokens and cost.">
      <FilterBar
        route={route}
        filters={['model', 'provider', 'user', 'tenant', 'status', 'costStatus', 'callType', 'tag']}
      />
      <Card>
        {page.error ? (
          <ErrorBox error={page.error} />
        ) : !page.data ? (
          <Loading />
        ) : page.data.records.length === 0 ? (
          <Empty>No calls match these filters.</Empty>
        ) : (
          <>
            <CallsTable calls={page.data.records} columns={CALL_LIST_COLUMNS} id="calls-table" />
            <nav class="pager" aria-label="Pages">
              {cursor && (
                <a class="button subtle" href={withParams(route, { cursor: null })}>
                  ← Newest
                </a>
              )}
              <span class="muted">
                {page.data.records.length} calls{cursor ? ' (older page)' : ''}
              </span>
              {page.data.nextCursor && (
                <a class="button" rel="next" href={withParams(route, { cursor: page.data.nextCursor })}>
                  Older →
                </a>
              )}
            </nav>
          </>
        )}
      </Card>
    </Page>
  );
}
