const MAX_DEPTH = 6;

/**
 * Text assembled from stream deltas with `+=` is a rope: one string object per delta (22 KB for a
 * 2 KB answer in 400 deltas) until something reads it whole. The record holding it waits in the
 * write queue long enough to outlive young-generation collections, and each one would copy every
 * piece. Reading a character makes V8 flatten a rope in place into one string, so the record
 * keeps a single copy of the text. Walks plain objects and arrays, as a response message is.
 */
export function flattenText(value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    value.charCodeAt(0);
    return;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) flattenText(item, depth + 1);
    return;
  }
  for (const key in value) flattenText((value as Record<string, unknown>)[key], depth + 1);
}
