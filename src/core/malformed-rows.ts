import { tryParseDecimal } from './money.js';

/** How many ids of malformed rows a result names; the count is always complete. */
export const MALFORMED_ID_LIMIT = 10;

/**
 * Stored rows whose cost total is no decimal number (written by an older version, another tool,
 * or by hand). They are left out of cost sums and counted here instead, so one bad row never
 * fails a summary, a report or a repricing run for the whole database, and it is never silent.
 */
export interface MalformedRows {
  count: number;
  /** The smallest ids among them (at most MALFORMED_ID_LIMIT), in id order. */
  ids: string[];
}

/** True for a stored cost total that is present but no decimal (`'abc'`, `'NaN'`, an object...). */
export function isMalformedAmount(value: unknown): boolean {
  return value !== null && value !== undefined && tryParseDecimal(value) === undefined;
}

/** Counts malformed rows and keeps the smallest ids, whatever order the rows come in. */
export class MalformedRowTally {
  private count = 0;
  private ids: string[] = [];

  add(id: string, times = 1): void {
    this.count += times;
    this.keep([id]);
  }

  merge(rows: MalformedRows | undefined): void {
    if (rows === undefined || rows.count === 0) return;
    this.count += rows.count;
    this.keep(rows.ids);
  }

  /** Undefined when no row was malformed, so clean results keep their shape. */
  result(): MalformedRows | undefined {
    return this.count === 0 ? undefined : { count: this.count, ids: [...this.ids] };
  }

  private keep(ids: readonly string[]): void {
    const merged = [...new Set([...this.ids, ...ids])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.ids = merged.slice(0, MALFORMED_ID_LIMIT);
  }
}

/** The malformed rows of several summary rows (or pages) together. */
export function mergeMalformedRows(parts: Iterable<MalformedRows | undefined>): MalformedRows | undefined {
  const tally = new MalformedRowTally();
  for (const part of parts) tally.merge(part);
  return tally.result();
}

/** One line for a terminal or a log: how many rows, which ones, and what was done with them. */
export function describeMalformedRows(rows: MalformedRows, effect: string): string {
  const more = rows.count > rows.ids.length ? `, and ${rows.count - rows.ids.length} more` : '';
  const noun = rows.count === 1 ? 'stored call has' : 'stored calls have';
  return `warning: ${rows.count} ${noun} a cost that is no decimal number (${rows.ids.join(', ')}${more}); ${effect}`;
}
