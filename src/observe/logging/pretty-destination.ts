import type { DestinationStream } from 'pino';

const LEVEL_LABELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Keys shown in the line's head (or never), not repeated as `key=value`. */
const HEAD_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'event', 'emoji', 'name']);

/**
 * A pino destination that turns each JSON line into one human line with the emoji as prefix:
 * `✨ 12:00:01.250 INFO  inference_completed model=gpt-4o prompt_tokens=150 ...`.
 * It parses what pino wrote, so it is meant for development consoles, not for hot production
 * paths (use JSON there, where the emoji is the `emoji` field).
 *
 * @example
 * const logger = createLLMLogger({ format: 'pretty' }); // uses this destination on stdout
 */
export function createPrettyDestination(output: PrettyOutput = process.stdout): DestinationStream {
  return {
    write(line: string): void {
      output.write(formatPrettyLine(line));
    },
    // pino's logger.flush() looks for this; forward it so buffered file output is not lost.
    flush(callback?: (error?: Error | null) => void): void {
      if (typeof output.flush === 'function') output.flush(callback);
      else callback?.();
    },
  } as DestinationStream;
}

/** Where pretty lines go: stdout, a file destination, any object with `write`. */
export interface PrettyOutput {
  write(text: string): unknown;
  flush?(callback?: (error?: Error | null) => void): unknown;
}

/**
 * Formats one pino JSON line; text that is not JSON is passed through unchanged.
 *
 * @example
 * formatPrettyLine('{"level":30,"time":0,"event":"cache_hit","emoji":"🎯","model":"gpt-4o"}');
 * // '🎯 00:00:00.000 INFO  cache_hit model=gpt-4o\n'
 */
export function formatPrettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const parts: string[] = [];
  if (typeof entry.emoji === 'string' && entry.emoji !== '') parts.push(entry.emoji);
  if (typeof entry.time === 'number' || typeof entry.time === 'string') parts.push(clock(entry.time));
  const level = typeof entry.level === 'number' ? (LEVEL_LABELS[entry.level] ?? String(entry.level)) : entry.level;
  if (level !== undefined) parts.push(String(level).toUpperCase().padEnd(5));
  parts.push(String(entry.event ?? entry.msg ?? ''));
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_KEYS.has(key) || value === undefined) continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  if (entry.msg !== undefined && entry.msg !== entry.event) parts.push(`msg=${formatValue(entry.msg)}`);
  return `${parts.join(' ')}\n`;
}

function clock(time: number | string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString().slice(11, 23);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
