/**
 * Unknown keys are never ignored: an option object, a call's init or result, a query filter may
 * only hold the keys its place knows. Each unknown key becomes one problem naming the key, the
 * place and the known keys, with a "did you mean" for a near miss (a typo, another casing, the
 * snake_case spelling of the Python examples) and for the aliases a place declares.
 */

export interface UnknownKeyProblem {
  /** The unknown key, as given. */
  key: string;
  /** Where it was found, such as `start()` or `calls.list() filter`. */
  place: string;
  /** The known key (or a hint such as `params.max_tokens`) the caller probably meant. */
  suggestion: string | undefined;
  /** One sentence for an error message: key, place, suggestion and the known keys. */
  message: string;
}

/**
 * Keys a place knows; a Set is built once per place, at module load, since the check runs on the
 * caller's path for every call.
 */
export type KnownKeys = ReadonlySet<string>;

/**
 * Spellings users bring from elsewhere that map to something else than a near miss would say:
 * `{ system_prompt: 'systemPrompt', max_tokens: 'params.max_tokens' }`.
 */
export type KeyAliases = Readonly<Record<string, string>>;

/**
 * The problems of `value`'s own enumerable keys that `known` does not hold; an empty array (no
 * allocation beyond it) when every key is known. A value that is not a plain object has no keys
 * to check. Prototype keys such as `__proto__` or `constructor`, when they are own keys (as
 * JSON.parse makes them), are checked like any other.
 */
export function unknownKeyProblems(
  value: unknown,
  known: KnownKeys,
  place: string,
  aliases?: KeyAliases,
): UnknownKeyProblem[] {
  const problems: UnknownKeyProblem[] = [];
  if (typeof value !== 'object' || value === null) return problems;
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    // A proxy whose ownKeys trap throws: nothing can be listed, so nothing is named.
    return problems;
  }
  for (const key of keys) {
    if (known.has(key)) continue;
    problems.push(describeUnknownKey(key, known, place, aliases));
  }
  return problems;
}

/** True when every own enumerable key of `value` is known: the allocation-free fast check. */
export function hasOnlyKnownKeys(value: object, known: KnownKeys): boolean {
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (!known.has(key)) return false;
  }
  // for..in skips a non-enumerable or symbol key: neither is a key a caller meant to pass.
  return true;
}

/** One unknown key described: the suggestion comes from the aliases first, then from a near miss. */
export function describeUnknownKey(
  key: string,
  known: KnownKeys,
  place: string,
  aliases?: KeyAliases,
): UnknownKeyProblem {
  const suggestion = suggestKey(key, known, aliases);
  const shown = printable(key);
  const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
  const message = `unknown key "${shown}" in ${place}.${hint} Known keys: ${[...known].join(', ')}.`;
  return { key, place, suggestion, message };
}

/** The closest known key, or the alias's target; undefined when nothing is close enough. */
export function suggestKey(key: string, known: KnownKeys, aliases?: KeyAliases): string | undefined {
  if (aliases && Object.prototype.hasOwnProperty.call(aliases, key)) return aliases[key];
  const folded = fold(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const candidateFolded = fold(candidate);
    // Same letters, other casing or separators: `system_prompt`, `SystemPrompt`, `system-prompt`.
    if (candidateFolded === folded) return candidate;
    const distance = editDistance(folded, candidateFolded, 2);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  // Two edits is a typo in a long name, a different word in a short one.
  const allowed = folded.length <= 4 ? 1 : 2;
  return bestDistance <= allowed ? best : undefined;
}

function fold(key: string): string {
  return key.replace(/[_\-\s]/g, '').toLowerCase();
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (current[j]! < rowMin) rowMin = current[j]!;
    }
    if (rowMin > limit) return limit + 1;
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** A key as it can be shown in a message: cut, with control characters and lone surrogates escaped. */
function printable(key: string): string {
  const cut = key.length > 60 ? `${key.slice(0, 60)}…` : key;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  const unsafe = /[\u0000-\u001f\u007f"\\]/g;
  const escaped = cut.replace(unsafe, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.isWellFormed() ? escaped : escaped.toWellFormed();
}
