import { ConfigError } from '../../core/errors.js';
import { unknownKeyMessage } from '../../core/key-suggestions.js';

/**
 * What a counter or a limit is about: a dimension (`user`, `tenant`, `model`, `apiKey`, or any
 * custom one) and a value. Written `user:u-42`; the value may itself contain colons. In limits
 * the value `*` means "each subject of this dimension, separately".
 */
export interface Subject {
  readonly dimension: string;
  readonly id: string;
}

/** The parts of a call (its init, its start, or its record) that subjects are read from. */
export interface MeteredCall {
  readonly userId?: string | null;
  readonly tenantId?: string | null;
  readonly model: string;
  readonly provider?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Reads one dimension's value from a call; null or undefined means the call has none. */
export type DimensionReader = (call: MeteredCall) => string | null | undefined;

/**
 * The built-in dimensions. `apiKey` reads `metadata.apiKeyId` (an identifier the caller chooses,
 * never the secret itself). Any other dimension reads the string or number in `metadata[name]`
 * unless a reader is given in the meter's `dimensionReaders`.
 *
 * @example
 * BUILT_IN_DIMENSIONS.apiKey({ model: 'gpt-4o', metadata: { apiKeyId: 'key-7' } }); // 'key-7'
 */
export const BUILT_IN_DIMENSIONS: Readonly<Record<string, DimensionReader>> = Object.freeze({
  user: (call) => call.userId,
  tenant: (call) => call.tenantId,
  model: (call) => call.model,
  provider: (call) => call.provider,
  apiKey: (call) => metadataValue(call, 'apiKeyId'),
});

const DIMENSION = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Parses `user:u-42` (or passes a Subject through, checked). Throws ConfigError when the
 * dimension is not a plain name or the value is empty.
 *
 * @example
 * parseSubject('model:openai/gpt-4o'); // { dimension: 'model', id: 'openai/gpt-4o' }
 */
export function parseSubject(input: string | Subject, source = 'options', path = 'subject'): Subject {
  let dimension: unknown;
  let id: unknown;
  if (typeof input === 'string') {
    const colon = input.indexOf(':');
    dimension = colon === -1 ? input : input.slice(0, colon);
    id = colon === -1 ? '' : input.slice(colon + 1);
  } else if (typeof input === 'object' && input !== null) {
    rejectUnknownKeys(input, SUBJECT_KEYS, source, path);
    dimension = input.dimension;
    id = input.id;
  }
  if (typeof dimension !== 'string' || !DIMENSION.test(dimension) || typeof id !== 'string' || id === '') {
    throw new ConfigError({
      source,
      path,
      expected: 'a subject such as user:u-42, tenant:acme, model:gpt-4o, apiKey:key-1 or user:* (each user)',
      received: JSON.stringify(input),
    });
  }
  return Object.freeze({ dimension, id });
}

const SUBJECT_KEYS = ['dimension', 'id'];

/** `{ dimension: 'user', user_id: 'u-42' }` names the stray key rather than failing on the missing one. */
export function rejectUnknownKeys(input: object, known: readonly string[], source: string, path: string): void {
  for (const key of Object.keys(input)) {
    if (known.includes(key) || (input as Record<string, unknown>)[key] === undefined) continue;
    throw new ConfigError({ source, path: `${path}.${key}`, expected: `no ${unknownKeyMessage(key, known)}` });
  }
}

/**
 * @example
 * formatSubject({ dimension: 'tenant', id: 'acme' }); // 'tenant:acme'
 */
export function formatSubject(subject: Subject): string {
  return `${subject.dimension}:${subject.id}`;
}

/** Checks a dimension name (for the meter's `dimensions` option). */
export function checkDimension(name: unknown, source = 'options', path = 'dimensions'): string {
  if (typeof name !== 'string' || !DIMENSION.test(name)) {
    throw new ConfigError({
      source,
      path,
      expected: 'a dimension name such as user, tenant, model, apiKey or feature',
      received: JSON.stringify(name),
    });
  }
  return name;
}

/** Reads dimension values, with the built-ins, the caller's readers and the metadata fallback. */
export class DimensionValues {
  constructor(private readonly readers: Readonly<Record<string, DimensionReader>> = {}) {}

  /** The call's value for `dimension`, or null. */
  valueOf(call: MeteredCall, dimension: string): string | null {
    const reader = this.readers[dimension] ?? BUILT_IN_DIMENSIONS[dimension];
    let value: unknown;
    try {
      value = reader ? reader(call) : metadataValue(call, dimension);
    } catch {
      // A throwing reader must not break the call: that dimension simply has no value.
      return null;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return typeof value === 'string' && value !== '' ? value : null;
  }
}

function metadataValue(call: MeteredCall, key: string): string | undefined {
  const value = call.metadata?.[key];
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}
