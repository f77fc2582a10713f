import type { TimeOfDayWindow } from './catalog-types.js';

const TIME_PATTERN = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Normalizes a time of day (`00:30:00Z`, `01:30+01:00`, `16:30`) to UTC `HH:MM:SS`, so that it can
 * be compared as a string with the time part of an ISO 8601 UTC timestamp. No offset means UTC.
 */
export function normalizeTimeOfDay(value: string): string {
  const match = TIME_PATTERN.exec(value.trim());
  if (!match) throw new RangeError(`Not a time of day: ${JSON.stringify(value)}`);
  const [, hours, minutes, seconds = '00', , sign, offsetHours = '00', offsetMinutes = '00'] = match;
  const local = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) {
    throw new RangeError(`Not a time of day: ${JSON.stringify(value)}`);
  }
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60 * (sign === '-' ? -1 : 1);
  const utc = (((local - offset) % 86_400) + 86_400) % 86_400;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(utc / 3600))}:${pad(Math.floor((utc % 3600) / 60))}:${pad(utc % 60)}`;
}

/** Whether the UTC time `HH:MM:SS` lies in `[start, end)`, wrapping past midnight when end < start. */
export function isWithinWindow(time: string, window: TimeOfDayWindow): boolean {
  if (window.end < window.start) return time >= window.start || time < window.end;
  return time >= window.start && time < window.end;
}
