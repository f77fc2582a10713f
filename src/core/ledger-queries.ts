import { ValidationError } from './errors.js';
import type { CallRecord } from './record.js';
import { GROUP_KEYS, type CallPage, type ListQuery, type Store, type SummaryQuery, type SummaryRow } from './store.js';

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

/** Pending records are flushed first (`flush`), so a caller reads its own writes. */
export function createCallQueries(store: Store, flush: () => Promise<void>): CallQueries {
  return {
    list: async (query = {}) => read(flush, () => store.list(query)),
    get: async (id) => read(flush, () => store.get(id)),
    byTrace: async (traceId) => read(flush, () => store.byTrace(traceId)),
  };
}

/** `groupBy` keys are checked before anything is flushed or read. */
export function createUsageQueries(store: Store, flush: () => Promise<void>): UsageQueries {
  return {
    summary: async (query = {}) => {
      for (const key of query.groupBy ?? []) {
        if (!GROUP_KEYS.includes(key)) {
          throw new ValidationError('groupBy', `${JSON.stringify(key)} is not one of ${GROUP_KEYS.join(', ')}`);
        }
      }
      return read(flush, () => store.summary(query));
    },
  };
}

async function read<T>(flush: () => Promise<void>, query: () => Promise<T>): Promise<T> {
  await flush();
  return query();
}
