import { validateId, validateListQuery, validateSummaryQuery } from './query-validation.js';
import type { CallRecord } from './record.js';
import { type CallPage, type ListQuery, type Store, type SummaryQuery, type SummaryRow } from './store.js';

/** `ledger.calls`: queries over recorded calls. */
export interface CallQueries {
  list(query?: ListQuery): Promise<CallPage>;
  get(id: string): Promise<CallRecord | null>;
  byTrace(traceId: string): Promise<CallRecord[]>;
}

/** `ledger.usage`: totals over recorded calls. */
export interface UsageQueries {
  summary(query?: SummaryQuery): Promise<SummaryRow[]>;
}

/**
 * Pending records are flushed first (`flush`), so a caller reads its own writes. Every query is
 * validated (query-validation.ts) before anything is flushed or read, in every mode.
 */
export function createCallQueries(store: Store, flush: () => Promise<void>): CallQueries {
  return {
    list: async (query) => {
      const checked = validateListQuery(query);
      return read(flush, () => store.list(checked));
    },
    get: async (id) => {
      const checked = validateId(id, 'id', 'calls.get()');
      return read(flush, () => store.get(checked));
    },
    byTrace: async (traceId) => {
      const checked = validateId(traceId, 'traceId', 'calls.byTrace()');
      return read(flush, () => store.byTrace(checked));
    },
  };
}

export function createUsageQueries(store: Store, flush: () => Promise<void>): UsageQueries {
  return {
    summary: async (query) => {
      const checked = validateSummaryQuery(query);
      return read(flush, () => store.summary(checked));
    },
  };
}

async function read<T>(flush: () => Promise<void>, query: () => Promise<T>): Promise<T> {
  await flush();
  return query();
}
