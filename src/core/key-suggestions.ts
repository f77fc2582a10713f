/**
 * "Did you mean" help for unknown keys: a near miss by edit distance, or a snake_case name that
 * users bring from Python code (`session_id` for `sessionId`, `start_date` for `from`).
 */

/** snake_case names whose camelCase form is not the key we use. */
const RENAMED: Readonly<Record<string, string>> = {
  start_date: 'from',
  end_date: 'to',
  start_time: 'from',
  end_time: 'to',
  since: 'from',
  until: 'to',
  task_type: 'callType',
  model_name: 'model',
  group_by: 'groupBy',
  filters: 'where',
  filter: 'where',
};

export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const renamed = RENAMED[key] ?? RENAMED[key.toLowerCase()];
  if (renamed !== undefined && known.includes(renamed)) return renamed;
  const camel = key.toLowerCase().replace(/[_-]+([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
  const sameLetters = known.find((name) => name.toLowerCase() === camel.toLowerCase());
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(key.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** `unknown key "session_id" (did you mean "sessionId"?); known keys: a, b, c` */
export function unknownKeyMessage(key: string, known: readonly string[], what = 'key'): string {
  const suggestion = suggestKey(key, known);
  const hint = suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
  return `unknown ${what} ${JSON.stringify(key)}${hint}; known ${what}s: ${known.join(', ')}`;
}

/** Levenshtein distance, bounded work for the short names compared here. */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.abs(a.length - b.length) + 64;
  let previous = Array.from({ length: b.length + 1 }, (_unused, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
