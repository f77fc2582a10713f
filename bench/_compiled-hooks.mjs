/* global URL, process */
// Module resolve hook for benchmarks: `src/**/*.ts` (imported as `.js`, as TypeScript's NodeNext
// wants) resolves to the tsc output in `dist/`, the code users run. Through tsx, the sources run
// with esbuild's keepNames helpers (`__name(fn, ...)` on every closure), which the build does not have.
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/`;
// BENCH_DIST: another build of the library (say, the previous commit's `dist/`, copied under the
// repository so that its imports resolve), for A/B runs of the same benchmark.
const dist = process.env.BENCH_DIST ? `${resolvePath(process.env.BENCH_DIST)}/` : `${root}dist/`;

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
