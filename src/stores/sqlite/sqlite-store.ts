// placeholder until the SQLite store lands
import type { CallPage, CostUpdate, Store, SummaryRow } from '../../core/store.js';
import type { CallRecord } from '../../core/record.js';
export interface SqliteStoreOptions {
  path: string;
}
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  constructor(readonly options: SqliteStoreOptions) {}
  async write(_records: readonly CallRecord[]): Promise<void> {}
  async get(_id: string): Promise<CallRecord | null> {
    return null;
  }
  async list(): Promise<CallPage> {
    return { records: [], nextCursor: null };
  }
  async byTrace(): Promise<CallRecord[]> {
    return [];
  }
  async summary(): Promise<SummaryRow[]> {
    return [];
  }
  async updateCosts(_u: readonly CostUpdate[]): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
