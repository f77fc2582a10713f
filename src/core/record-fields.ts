import { NO_METADATA } from './record.js';
import { capText, isPlainJson, toPlain } from './sanitize.js';

/**
 * Request and response fields as a call records them: JSON-safe (see sanitize.ts), with whatever
 * had to be changed reported through the owner (a ValidationError when the ledger is fail-closed).
 * Plain values within the cap are kept as they are, after a quick check.
 */
export interface FieldOwner {
  readonly maxFieldChars: number;
  /** Reports sanitized input, or throws a ValidationError when the ledger is fail-closed. */
  invalid(field: string, message: string): void;
}

/** A text field (provider, callType), capped; any other value is refused (never stringified) and reported. */
export function textField(owner: FieldOwner, field: string, value: unknown): string | undefined {
  if (typeof value === 'string') return capText(value, owner.maxFieldChars, owner, field);
  if (value === undefined || value === null) return undefined;
  owner.invalid(field, `expected a string, got ${Array.isArray(value) ? 'an array' : typeof value}; ignored`);
  return undefined;
}

/** A JSON-safe version of one request or response field; reports what could not be kept as is. */
export function json(owner: FieldOwner, field: string, value: unknown): unknown {
  if (isPlainJson(value, owner.maxFieldChars)) return value;
  const problems: string[] = [];
  const plain = toPlain(value, owner.maxFieldChars, [], problems);
  for (const problem of new Set(problems)) owner.invalid(field, problem);
  return plain;
}

/** An array field (messages, tools), copied; anything else is reported and wrapped. */
export function jsonArray(owner: FieldOwner, field: string, value: unknown): unknown[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    owner.invalid(field, `expected an array, got ${typeof value}; recorded as a one-element array`);
    return [json(owner, field, value) ?? null];
  }
  return isPlainJson(value, owner.maxFieldChars) ? value.slice() : (json(owner, field, value) as unknown[]);
}

/** An object field (metadata, params), copied; anything else is reported and ignored. */
export function jsonObject(owner: FieldOwner, field: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return NO_METADATA as Record<string, unknown>;
  if (typeof value !== 'object' || Array.isArray(value)) {
    owner.invalid(field, `expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}; ignored`);
    return NO_METADATA as Record<string, unknown>;
  }
  const plain = json(owner, field, value);
  if (plain !== value) return plain as Record<string, unknown>;
  // A copy, so the caller may reuse the object; none needed when it is empty.
  for (const _key in value) return { ...(value as Record<string, unknown>) };
  return NO_METADATA as Record<string, unknown>;
}
