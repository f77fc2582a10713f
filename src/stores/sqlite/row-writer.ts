import type { CallRecord } from '../../core/record.js';
import { RollupBatch, sourceFromRow, STARTED_AT_INDEX } from '../rollup/rollup-batch.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import { COLUMN_COUNT, COLUMN_LIST, writeRow } from './row-mapping.js';
import type { SqliteRollups } from './rollup-sqlite.js';

/**
 * Inserts batches in one transaction each, one prepared single-row statement per record.
 * Multi-row INSERTs (16 and 50 rows per statement) were measured against it on the bench/ingest
 * records and were no faster (16.5 vs 16.6 and 17.4 µs of CPU per record, in-memory database):
 * the B-tree work of the row and its indexes dwarfs the per-statement cost, so the simpler form
 * stays.
 *
 * Replays are idempotent: a record whose id is already stored is skipped by
 * `ON CONFLICT(id) DO NOTHING`, never overwritten. Only rows actually inserted (`changes`) are
 * added to the rollups, summed per rollup row in JavaScript and upserted in the same transaction.
 */
export class RowWriter {
  private readonly insert: SqliteStatement;
  /** Reused for every row: the driver copies the values when it binds them. */
  private readonly values: unknown[] = new Array<unknown>(COLUMN_COUNT);
  private readonly insertAll: (records: readonly CallRecord[]) => void;

  constructor(
    db: SqliteDatabase,
    private readonly maxFieldChars: number,
    private readonly rollups: SqliteRollups,
  ) {
    this.insert = db.prepare(
      `INSERT INTO llm_request_logs (${COLUMN_LIST}) VALUES (${new Array<string>(COLUMN_COUNT).fill('?').join(', ')}) ON CONFLICT(id) DO NOTHING`,
    );
    this.insertAll = db.transaction((records: readonly CallRecord[]) => {
      const { insert, values, maxFieldChars } = this;
      const batch = new RollupBatch();
      for (const record of records) {
        writeRow(record, values, maxFieldChars);
        if (insert.run(values).changes === 1) {
          batch.add(sourceFromRow(values, 0, String(values[STARTED_AT_INDEX]).slice(0, 13)));
        }
      }
      this.rollups.apply(batch);
    });
  }

  write(records: readonly CallRecord[]): void {
    this.insertAll(records);
  }
}
