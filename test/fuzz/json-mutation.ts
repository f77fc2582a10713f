import fc from 'fast-check';

/** Mutations of JSON documents for the fuzz suites: any subtree replaced by any value. */

/** Every path to a value inside `value` (the root included). */
export function pathsOf(
  value: unknown,
  path: (string | number)[] = [],
  into: (string | number)[][] = [],
): (string | number)[][] {
  into.push(path);
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...path, index], into));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], into);
  }
  return into;
}

/** A copy of `value` with the value at the `pick`th path replaced by `replacement`. */
export function replaced(value: unknown, pick: number, replacement: unknown): unknown {
  const paths = pathsOf(value);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = replacement;
  return copy;
}

export const anyJson = fc.oneof(
  // Indexes that would grow an array to a billion slots or reach its prototype, among the rest.
  fc.constantFrom(null, true, 0, -1, 1e9, 1e308, '', 'x', '__proto__', [], {}, [null], { type: 'error' }, '\u0000'),
  fc.jsonValue({ maxDepth: 3 }),
);
