/** A token count from a provider object: a finite non-negative number, else undefined. */
export function readCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The first key of `object` that holds a count (`promptTokenCount` or `prompt_token_count`). */
export function pickCount(object: unknown, ...keys: string[]): number | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const record = object as Record<string, unknown>;
  for (const key of keys) {
    const value = readCount(record[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The first key of `object` that holds an object. */
export function pickObject(object: unknown, ...keys: string[]): Record<string, unknown> | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const record = object as Record<string, unknown>;
  for (const key of keys) {
    const value = objectOf(record[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** `value` when it is a plain object (not null, not an array), else undefined. */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
