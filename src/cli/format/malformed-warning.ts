import { describeMalformedRows, type MalformedRows } from '../../core/malformed-rows.js';
import { printable } from '../../core/terminal-text.js';

/**
 * The one-line warning a command prints (on stderr, so --json stays parseable) when stored calls
 * have a cost that is no decimal number. Ids are stored content: escaped for the terminal.
 */
export function malformedRowsWarning(rows: MalformedRows | undefined, effect: string): string {
  if (rows === undefined || rows.count === 0) return '';
  return `${printable(describeMalformedRows({ count: rows.count, ids: rows.ids }, effect))}\n`;
}
