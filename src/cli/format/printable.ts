import { printable } from '../../core/terminal-text.js';

export { printable };

/** Printable and at most `width` characters, ending with … when cut. */
export function clip(text: string, width: number): string {
  const safe = printable(text);
  if (safe.length <= width) return safe;
  return `${safe.slice(0, Math.max(0, width - 1))}…`;
}
