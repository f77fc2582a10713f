import { ConfigError } from '../../core/errors.js';
import { rejectUnknownKeys } from './subject.js';

/**
 * A metering period. `day` is the UTC day; `month` the UTC calendar month; `cycle` a monthly
 * billing cycle starting on the day of the month of `cycleStartDate` (`YYYY-MM-DD`, by
 * default the first of the month, which makes it the calendar month). On months without that day
 * (the 31st in April) the cycle starts on the month's last day. All boundaries are UTC midnight.
 */
export type PeriodInput = 'day' | 'month' | 'cycle' | `cycle:${string}` | { cycleStartDate: string };

export interface Period {
  readonly unit: 'day' | 'month';
  /** Day of the month monthly windows start on (1 to 31); 1 for calendar months and days. */
  readonly anchorDay: number;
  /** `day`, `month` or `cycle:DD` (cycles with anchor 1 are `month`). */
  readonly name: string;
}

/** One window of a period: [start, end) in epoch milliseconds, and its label in counter keys. */
export interface MeterWindow {
  /** `d2025-03-14` for days, `m2025-03-15` for monthly windows (named by their first day). */
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day of the month of a `YYYY-MM-DD` billing cycle start; throws ConfigError when invalid. */
export function cycleAnchorDay(cycleStartDate: string, source = 'options'): number {
  const match = DATE.exec(cycleStartDate);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || !Number.isFinite(time) || new Date(time).toISOString().slice(0, 10) !== cycleStartDate) {
    throw new ConfigError({
      source,
      path: 'cycleStartDate',
      expected: 'a date in YYYY-MM-DD form, such as 2024-01-15',
      received: JSON.stringify(cycleStartDate),
    });
  }
  return Number(match[3]);
}

/**
 * Resolves a period. `cycle` without a date uses `defaultCycleStartDate` (the meter's), or the
 * first of the month.
 *
 * @example
 * parsePeriod('cycle:2024-01-15'); // { unit: 'month', anchorDay: 15, name: 'cycle:15' }
 */
export function parsePeriod(input: PeriodInput, defaultCycleStartDate?: string, source = 'options'): Period {
  if (input === 'day') return DAY;
  if (input === 'month') return MONTH;
  let date: string | undefined;
  if (typeof input === 'object' && input !== null) rejectUnknownKeys(input, PERIOD_KEYS, source, 'period');
  if (typeof input === 'object' && input !== null && typeof input.cycleStartDate === 'string') {
    date = input.cycleStartDate;
  } else if (input === 'cycle') {
    date = defaultCycleStartDate;
  } else if (typeof input === 'string' && input.startsWith('cycle:')) {
    date = input.slice('cycle:'.length);
  } else {
    throw new ConfigError({
      source,
      path: 'period',
      expected: 'day, month, cycle or cycle:YYYY-MM-DD',
      received: JSON.stringify(input),
    });
  }
  return date === undefined ? MONTH : monthly(cycleAnchorDay(date, source));
}

const PERIOD_KEYS = ['cycleStartDate'];

const DAY: Period = Object.freeze({ unit: 'day', anchorDay: 1, name: 'day' });
const MONTH: Period = Object.freeze({ unit: 'month', anchorDay: 1, name: 'month' });

function monthly(anchorDay: number): Period {
  return anchorDay === 1 ? MONTH : Object.freeze({ unit: 'month', anchorDay, name: `cycle:${anchorDay}` });
}

const lastWindow = new WeakMap<Period, MeterWindow>();

/**
 * The window of `period` that contains `atMs`. The last window of each period is kept: almost
 * every call falls in the same one, and date arithmetic is a visible share of a reservation.
 *
 * @example
 * windowOf(parsePeriod('cycle:2024-01-15'), Date.parse('2025-03-14T23:59:59.999Z')).label; // 'm2025-02-15'
 */
export function windowOf(period: Period, atMs: number): MeterWindow {
  const last = lastWindow.get(period);
  if (last && atMs >= last.startMs && atMs < last.endMs) return last;
  const window = computeWindow(period, atMs);
  lastWindow.set(period, window);
  return window;
}

function computeWindow(period: Period, atMs: number): MeterWindow {
  const at = new Date(atMs);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (period.unit === 'day') {
    const startMs = Date.UTC(year, month, at.getUTCDate());
    return Object.freeze({ label: `d${isoDate(startMs)}`, startMs, endMs: Date.UTC(year, month, at.getUTCDate() + 1) });
  }
  let startMs = monthStart(year, month, period.anchorDay);
  let startMonth = month;
  if (atMs < startMs) {
    startMonth = month - 1;
    startMs = monthStart(year, startMonth, period.anchorDay);
  }
  return Object.freeze({
    label: `m${isoDate(startMs)}`,
    startMs,
    endMs: monthStart(year, startMonth + 1, period.anchorDay),
  });
}

/** Midnight UTC of the anchor day in a month (month may be out of 0..11: Date.UTC carries it). */
function monthStart(year: number, month: number, anchorDay: number): number {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(anchorDay, daysInMonth));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
