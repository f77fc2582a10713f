/**
 * Content is data: prompts, outputs and metadata may hold anything. These functions turn any
 * value into storable JSON without throwing. Documented sanitization:
 * - circular references become the string "[Circular]";
 * - BigInt becomes its decimal string; Map becomes an object, Set an array;
 * - functions and symbols are dropped (as JSON.stringify does);
 * - a string longer than `maxFieldChars` is cut and ends with a visible truncation marker;
 * - lone UTF-16 surrogates (invalid Unicode) become U+FFFD in text columns.
 */

export const DEFAULT_MAX_FIELD_CHARS = 1_000_000;

export function truncationMarker(removed: number, original: number): string {
  return `…[llm-ledger: truncated ${removed} of ${original} chars]`;
}

/** Caps one text value and makes it well-formed Unicode. */
export function capText(value: string, maxChars: number): string {
  let text = value;
  if (text.length > maxChars) {
    text = text.slice(0, maxChars) + truncationMarker(text.length - maxChars, text.length);
  }
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * Serializes a value to JSON. The fast path is a plain JSON.stringify; the careful walk runs only
 * when that throws (circular, BigInt) or when the output is long enough that a single string in it
 * might exceed the cap.
 */
export function toSafeJson(value: unknown, maxFieldChars: number = DEFAULT_MAX_FIELD_CHARS): string {
  if (value === undefined) return 'null';
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return 'null';
    if (json.length <= maxFieldChars) return json;
  } catch {
    // fall through to the careful walk
  }
  return JSON.stringify(toPlain(value, maxFieldChars, [])) ?? 'null';
}

/** A JSON-safe deep copy following the rules above. */
export function toPlain(value: unknown, maxFieldChars: number, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > maxFieldChars ? capText(value, maxFieldChars) : value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) return '[Circular]';
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
    try {
      return toPlain((object as { toJSON: () => unknown }).toJSON(), maxFieldChars, ancestors);
    } catch {
      return '[Unserializable]';
    }
  }
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item) => toPlain(item, maxFieldChars, ancestors) ?? null);
    }
    if (object instanceof Set) return [...object].map((item) => toPlain(item, maxFieldChars, ancestors) ?? null);
    if (object instanceof Error) {
      return { name: object.name, message: capText(object.message, maxFieldChars) };
    }
    const entries = object instanceof Map ? [...object.entries()] : Object.entries(object);
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const plain = toPlain(item, maxFieldChars, ancestors);
      if (plain !== undefined) result[String(key)] = plain;
    }
    return result;
  } finally {
    ancestors.pop();
  }
}
