import { printable } from '../../core/terminal-text.js';

export { printable };

/** Printable and at most `width` characters, ending with … when cut. */
export function clip(text: string, width: number): string {
  const safe = printable(text);
  if (safe.length <= width) return safe;
  return `${safe.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but not DEL, C1 (a one-byte CSI) or
 * bidirectional overrides; those are written as \u escapes too (the same JSON once parsed).
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
