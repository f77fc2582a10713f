/**
 * Content is data: prompts, outputs and metadata may hold anything. These functions turn any
 * value into storable JSON without throwing. Documented sanitization:
 * - circular references become the string "[Circular]";
 * - BigInt becomes its decimal string; Map becomes an object, Set an array;
 * - functions, symbols and undefined are dropped (as JSON.stringify does; in arrays they become null);
 * - NaN and Infinity become null (as JSON.stringify does);
 * - objects with `toJSON` (Date, Buffer, ...) are replaced by what it returns;
 * - an Error becomes `{ name, message }`;
 * - a value that throws when read (a getter, a proxy) becomes "[Unserializable]";
 * - nesting deeper than 256 levels becomes "[Too deep]";
 * - a string longer than `maxFieldChars` is cut and ends with a visible truncation marker (object
 *   keys are not cut);
 * - lone UTF-16 surrogates (invalid Unicode) become U+FFFD.
 * Each of these changes is reported as a problem (functions, symbols and undefined excepted, which
 * JSON itself drops), and thrown as a ValidationError by a fail-closed ledger.
 */

export const DEFAULT_MAX_FIELD_CHARS = 1_000_000;

/** Deepest nesting kept by `toPlain`; anything below becomes "[Too deep]". */
export const MAX_JSON_DEPTH = 256;
/** The allocation-free check gives up (and leaves it to the careful walk) below this depth. */
const FAST_CHECK_DEPTH = 64;

export function truncationMarker(removed: number, original: number): string {
  return `…[llm-ledger: truncated ${removed} of ${original} chars]`;
}

/**
 * Caps one text value and makes it well-formed Unicode; with a `reporter`, each change is
 * reported for `field` (the README promises that truncation and replaced surrogates are reported).
 */
export function capText(
  value: string,
  maxChars: number,
  reporter?: { invalid(field: string, message: string): void },
  field = 'text',
): string {
  let text = value;
  if (text.length > maxChars) {
    reporter?.invalid(field, truncationProblem(text.length, maxChars));
    text = text.slice(0, maxChars) + truncationMarker(text.length - maxChars, text.length);
  }
  if (text.isWellFormed()) return text;
  reporter?.invalid(field, SURROGATE_PROBLEM);
  return text.toWellFormed();
}

export function truncationProblem(length: number, maxChars: number): string {
  return `a string of ${length} characters is cut to maxFieldChars (${maxChars}) and ends with a truncation marker`;
}
export const SURROGATE_PROBLEM = 'lone UTF-16 surrogates (invalid Unicode) are replaced by U+FFFD';

function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * True when `value` is already exactly what `toPlain` would return: plain objects and arrays of
 * finite numbers, booleans, null and well-formed strings within the cap. It allocates nothing, so
 * the common case costs a quick walk; anything else goes through `toPlain`.
 */
export function isPlainJson(value: unknown, maxFieldChars: number = DEFAULT_MAX_FIELD_CHARS): boolean {
  try {
    return isPlainAt(value, maxFieldChars, 0);
  } catch {
    return false;
  }
}

function isPlainAt(value: unknown, maxFieldChars: number, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return value.length <= maxFieldChars && value.isWellFormed();
    case 'number':
      // -0 is stored as 0 (JSON has no -0): the careful walk makes the copy say so.
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= FAST_CHECK_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!isPlainAt(value[index], maxFieldChars, depth + 1)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const object = value as Record<string, unknown>;
  if (typeof object.toJSON === 'function') return false;
  for (const key in object) {
    const item = object[key];
    // An undefined property is dropped by JSON either way.
    if (item !== undefined && !isPlainAt(item, maxFieldChars, depth + 1)) return false;
    if (!key.isWellFormed()) return false;
  }
  return true;
}

/**
 * A JSON-safe copy of `value` (the value itself when it already is one). Problems found on the
 * way (circular, BigInt, unreadable, too deep) are appended to `problems`.
 */
export function sanitizeJson(value: unknown, maxFieldChars: number, problems?: string[]): unknown {
  if (isPlainJson(value, maxFieldChars)) return value;
  return toPlain(value, maxFieldChars, [], problems);
}

const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Serializes a value to JSON and never throws. The fast path is a plain JSON.stringify; the
 * careful walk runs only when that throws (circular, BigInt), when the output is long enough that a
 * single string in it might exceed the cap, or when it holds a lone surrogate.
 */
export function toSafeJson(value: unknown, maxFieldChars: number = DEFAULT_MAX_FIELD_CHARS): string {
  if (value === undefined) return 'null';
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return 'null';
    // JSON.stringify writes `\u` only for control characters and lone surrogates, so the
    // substring search (much cheaper than the regular expression) settles the common case.
    if (json.length <= maxFieldChars && (!json.includes('\\u') || !LONE_SURROGATE_ESCAPE.test(json))) return json;
  } catch {
    // fall through to the careful walk
  }
  try {
    return JSON.stringify(toPlain(value, maxFieldChars, [])) ?? 'null';
  } catch {
    return 'null';
  }
}

/** A JSON-safe deep copy following the rules above. */
export function toPlain(value: unknown, maxFieldChars: number, ancestors: object[], problems?: string[]): unknown {
  switch (typeof value) {
    case 'string':
      if (value.length > maxFieldChars) problems?.push(truncationProblem(value.length, maxFieldChars));
      if (!value.isWellFormed()) problems?.push(SURROGATE_PROBLEM);
      return value.length > maxFieldChars || !value.isWellFormed() ? capText(value, maxFieldChars) : value;
    case 'number':
      if (!Number.isFinite(value)) problems?.push(`${value} is not a JSON number and is stored as null`);
      return Number.isFinite(value) ? value + 0 : null;
    case 'boolean':
      return value;
    case 'bigint':
      problems?.push(`a BigInt (${value}) is stored as a string`);
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
  if (ancestors.includes(object)) {
    problems?.push('a circular reference is stored as "[Circular]"');
    return '[Circular]';
  }
  if (ancestors.length >= MAX_JSON_DEPTH) {
    problems?.push(`nesting deeper than ${MAX_JSON_DEPTH} levels is stored as "[Too deep]"`);
    return '[Too deep]';
  }
  ancestors.push(object);
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(object);
      // toJSON returning the object itself would recurse for ever: walk the object instead.
      if (replaced !== object) return toPlain(replaced, maxFieldChars, ancestors, problems);
    }
    if (Array.isArray(object)) {
      const items: unknown[] = [];
      for (let index = 0; index < object.length; index++) {
        items.push(toPlain(object[index], maxFieldChars, ancestors, problems) ?? null);
      }
      return items;
    }
    if (object instanceof Set) {
      return [...object].map((item) => toPlain(item, maxFieldChars, ancestors, problems) ?? null);
    }
    if (object instanceof Error) {
      return { name: capText(String(object.name), maxFieldChars), message: capText(object.message, maxFieldChars) };
    }
    const entries = object instanceof Map ? [...object.entries()] : Object.entries(object);
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const plain = toPlain(item, maxFieldChars, ancestors, problems);
      if (typeof key === 'string' && !key.isWellFormed()) problems?.push(SURROGATE_PROBLEM);
      if (plain === undefined) continue;
      const name = wellFormed(String(key));
      // An own "__proto__" key (JSON.parse makes them) stays a key: assignment would set the prototype.
      if (name === '__proto__')
        Object.defineProperty(result, name, { value: plain, enumerable: true, writable: true, configurable: true });
      else result[name] = plain;
    }
    return result;
  } catch {
    problems?.push('a value that throws when read is stored as "[Unserializable]"');
    return '[Unserializable]';
  } finally {
    ancestors.pop();
  }
}
