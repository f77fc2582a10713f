/* global URL */
// Module resolve hook for benchmarks: `src/**/*.ts` (imported as `.js`, as TypeScript's NodeNext
// wants) resolves to the tsc output in `dist/`, the code users run. Through tsx, the sources run
// with esbuild's keepNames helpers (`__name(fn, ...)` on every closure), which the build does not have.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/`;
const dist = `${root}dist/`;

export async function resolve(specifier, context, nextResolve) {
  if ((specifier.startsWith('.') || specifier.startsWith('/')) && context.parentURL?.startsWith('file:')) {
    const path = fileURLToPath(new URL(specifier, context.parentURL));
    if (path.startsWith(src)) {
      const compiled = dist + path.slice(src.length).replace(/\.ts$/, '.js');
      if (existsSync(compiled)) return { url: pathToFileURL(compiled).href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}
