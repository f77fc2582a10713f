import type { CallRecord } from '../../core/record.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import { COLUMN_COUNT, COLUMN_LIST, writeRow } from './row-mapping.js';

/**
 * Rows per INSERT statement. Measured with bench/ingest.ts (200k records, batches of 500):
 * multi-row statements cut the per-statement overhead of better-sqlite3 (one native call and
 * one bind pass each); past about 16 rows the gain flattens while the parameter count grows.
 */
export const ROWS_PER_STATEMENT = 16;

/**
 * Inserts batches in one transaction each. Replays are idempotent: a record whose id is already
 * stored is skipped by `ON CONFLICT(id) DO NOTHING`, never overwritten.
 */
export class RowWriter {
  private readonly single: SqliteStatement;
  private readonly multi: SqliteStatement;
  private readonly singleValues: unknown[] = new Array(COLUMN_COUNT);
  private readonly multiValues: unknown[];
  private readonly insertAll: (records: readonly CallRecord[]) => void;

  constructor(
    db: SqliteDatabase,
    private readonly maxFieldChars: number,
    private readonly rowsPerStatement: number = ROWS_PER_STATEMENT,
  ) {
    this.single = db.prepare(insertSql(1));
    this.multi = db.prepare(insertSql(rowsPerStatement));
    this.multiValues = new Array(COLUMN_COUNT * rowsPerStatement);
    this.insertAll = db.transaction((records: readonly CallRecord[]) => this.insert(records));
  }

  write(records: readonly CallRecord[]): void {
    this.insertAll(records);
  }

  private insert(records: readonly CallRecord[]): void {
    const size = this.rowsPerStatement;
    const max = this.maxFieldChars;
    let index = 0;
    if (size > 1) {
      const values = this.multiValues;
      for (; index + size <= records.length; index += size) {
        for (let row = 0; row < size; row++) writeRow(records[index + row]!, values, row * COLUMN_COUNT, max);
        this.multi.run(values);
      }
    }
    const values = this.singleValues;
    for (; index < records.length; index++) {
      writeRow(records[index]!, values, 0, max);
      this.single.run(values);
    }
  }
}

function insertSql(rows: number): string {
  const row = `(${new Array<string>(COLUMN_COUNT).fill('?').join(', ')})`;
  return `INSERT INTO llm_request_logs (${COLUMN_LIST}) VALUES ${new Array<string>(rows).fill(row).join(', ')} ON CONFLICT(id) DO NOTHING`;
}
