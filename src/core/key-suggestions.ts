import { suggestKey as nearestKey } from './unknown-keys.js';

/**
 * "Did you mean" help for unknown keys in queries and option objects: a near miss or another
 * spelling (unknown-keys.ts), or a name users bring from Python code that maps to a different
 * word (`start_date` for `from`).
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
  model: 'modelName',
  group_by: 'groupBy',
  filters: 'where',
  filter: 'where',
};

export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const renamed = RENAMED[key.toLowerCase()];
  if (renamed !== undefined && known.includes(renamed)) return renamed;
  return nearestKey(key, new Set(known));
}

/** `unknown key "session_id" (did you mean "sessionId"?); known keys: a, b, c` */
export function unknownKeyMessage(key: string, known: readonly string[], what = 'key'): string {
  const suggestion = suggestKey(key, known);
  const hint = suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
  const shown = JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
  return `unknown ${what} ${shown}${hint}; known ${what}s: ${known.join(', ')}`;
}
