import { UsageError } from './command.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d", "24h", "30m", "2w" before `now`, or an ISO date / date-time. */
export function parseSince(value: string, now: number = Date.now()): Date {
  const relative = /^(\d+)\s*([mhdw])$/i.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]!.toLowerCase()]!);
  // Only ISO dates: Date.parse also takes "1" (the year 2001) or "May 5", silently moving the range.
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim());
  const time = iso ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`"${value}" is not a duration (such as 7d, 24h, 30m, 2w) or a date (such as 2026-11-01)`);
  }
  return new Date(time);
}
