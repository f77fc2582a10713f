import { useEffect, useState } from 'preact/hooks';
import { COST_STATUSES, DEFAULT_RANGE, RANGES, STATUSES, type FilterName } from '../lib/filters.js';
import { navigate, withParams, type Route } from '../lib/route.js';

const TEXT_FILTERS: { name: FilterName; label: string }[] = [
  { name: 'model', label: 'Model' },
  { name: 'provider', label: 'Provider' },
  { name: 'user', label: 'User' },
  { name: 'tenant', label: 'Tenant' },
  { name: 'callType', label: 'Call type' },
  { name: 'tag', label: 'Tag' },
];

interface Props {
  route: Route;
  /** Which filters this page offers; the range is always offered. */
  filters?: FilterName[];
  children?: preact.ComponentChildren;
}

/**
 * The filters of a page, written into its URL: a select applies at once, a text field on Enter or
 * Apply. Every change is a new history entry, so Back undoes it.
 */
export function FilterBar({ route, filters = ['model', 'provider', 'user', 'tenant', 'status'], children }: Props) {
  const params = route.params;
  const [draft, setDraft] = useState<Record<string, string>>({});
  const key = params.toString();
  useEffect(() => setDraft({}), [key]);
  const value = (name: string) => draft[name] ?? params.get(name) ?? '';
  const apply = (changes: Record<string, string | null>) => navigate(withParams(route, { ...changes, cursor: null }));
  const custom = params.has('from') || params.has('to');
  return (
    <form
      class="filters"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        apply(draft);
      }}
    >
      <label>
        <span>Range</span>
        <select
          value={custom ? 'custom' : (params.get('range') ?? DEFAULT_RANGE)}
          onChange={(event) => {
            const range = event.currentTarget.value;
            if (range === 'custom') apply({ from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 16) });
            else apply({ range: range === DEFAULT_RANGE ? null : range, from: null, to: null });
          }}
        >
          {RANGES.map((range) => (
            <option key={range.value} value={range.value}>
              {range.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {custom && (
        <>
          <label>
            <span>From (UTC)</span>
            <input
              type="datetime-local"
              value={value('from').slice(0, 16)}
              onChange={(event) => apply({ from: event.currentTarget.value || null })}
            />
          </label>
          <label>
            <span>To (UTC)</span>
            <input
              type="datetime-local"
              value={value('to').slice(0, 16)}
              onChange={(event) => apply({ to: event.currentTarget.value || null })}
            />
          </label>
        </>
      )}
      {filters.includes('status') && (
        <label>
          <span>Status</span>
          <select value={value('status')} onChange={(event) => apply({ status: event.currentTarget.value || null })}>
            <option value="">Any</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
      )}
      {filters.includes('costStatus') && (
        <label>
          <span>Cost</span>
          <select
            value={value('costStatus')}
            onChange={(event) => apply({ costStatus: event.currentTarget.value || null })}
          >
            <option value="">Any</option>
            {COST_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
      )}
      {TEXT_FILTERS.filter((filter) => filters.includes(filter.name)).map((filter) => (
        <label key={filter.name}>
          <span>{filter.label}</span>
          <input
            type="search"
            name={filter.name}
            value={value(filter.name)}
            placeholder="any"
            onInput={(event) => setDraft({ ...draft, [filter.name]: event.currentTarget.value })}
          />
        </label>
      ))}
      {children}
      <div class="filter-actions">
        <button type="submit">Apply</button>
        <a class="button subtle" href={`#/${route.path.map(encodeURIComponent).join('/')}`}>
          Reset
        </a>
      </div>
    </form>
  );
}
