import type { CallRecord } from '../core/record.js';
import { compileFilter, summarize } from '../core/query-eval.js';
import { validateTop } from '../core/query-validation.js';
import { topRows } from '../core/summary-ranking.js';
import {
  clampLimit,
  type CostUpdate,
  type CallPage,
  type ListQuery,
  type Store,
  type SummaryQuery,
  type SummaryRow,
} from '../core/store.js';
import { StoreRuntime } from './store-runtime.js';

/**
 * Keeps records in process memory, ordered by id (UUIDv7, so by start time). For tests,
 * short scripts and `enabled` ledgers that only feed handlers.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly byId = new Map<string, CallRecord>();
  private sorted: CallRecord[] | undefined = [];
  // Nothing in memory fails the way a driver does: no error is worth retrying.
  private readonly runtime = new StoreRuntime({ name: 'memory', isRetryable: () => false });

  async write(records: readonly CallRecord[]): Promise<void> {
    this.runtime.assertOpen();
    for (const record of records) {
      if (this.byId.has(record.id)) continue;
      this.byId.set(record.id, record);
      this.sorted = undefined;
    }
  }

  async get(id: string): Promise<CallRecord | null> {
    this.runtime.assertOpen();
    return this.byId.get(id) ?? null;
  }

  async list(query: ListQuery): Promise<CallPage> {
    this.runtime.assertOpen();
    const limit = clampLimit(query.limit);
    const match = compileFilter(query);
    const ascending = query.order === 'asc';
    const all = this.ordered();
    const records: CallRecord[] = [];
    const cursor = query.cursor;
    for (let step = 0; step < all.length; step++) {
      const record = all[ascending ? step : all.length - 1 - step]!;
      if (cursor !== undefined && (ascending ? record.id <= cursor : record.id >= cursor)) continue;
      if (!match(record)) continue;
      records.push(record);
      if (records.length > limit) break;
    }
    const hasMore = records.length > limit;
    if (hasMore) records.length = limit;
    return { records, nextCursor: hasMore ? records[records.length - 1]!.id : null };
  }

  async byTrace(traceId: string): Promise<CallRecord[]> {
    this.runtime.assertOpen();
    return this.ordered()
      .filter((record) => record.traceId === traceId)
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async summary(query: SummaryQuery): Promise<SummaryRow[]> {
    this.runtime.assertOpen();
    const { top, ...unranked } = query;
    const rows = summarize(this.byId.values(), unranked);
    if (top === undefined) return rows;
    validateTop(top, query.groupBy, 'summary()');
    return topRows(rows, top, unranked.groupBy!);
  }

  async updateCosts(updates: readonly CostUpdate[]): Promise<number> {
    this.runtime.assertOpen();
    let updated = 0;
    for (const { id, cost } of updates) {
      const record = this.byId.get(id);
      if (!record) continue;
      const next: CallRecord = {
        ...record,
        cost,
        costHistory: record.cost ? [...record.costHistory, record.cost] : record.costHistory,
      };
      this.byId.set(id, next);
      this.sorted = undefined;
      updated += 1;
    }
    return updated;
  }

  close(): Promise<void> {
    return this.runtime.close();
  }

  private ordered(): CallRecord[] {
    this.sorted ??= [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.sorted;
  }
}
