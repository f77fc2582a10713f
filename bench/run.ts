/**
 * `npm run bench -- NAME` runs bench/NAME.ts. Each benchmark prints its result as a ratio
 * against a baseline measured in the same run, plus absolute figures.
 */
import { readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.startsWith('_'))
  .map((file) => file.slice(0, -3))
  .sort();
const names = process.argv.slice(2);
if (names.length === 0 || names.some((name) => !available.includes(name))) {
  process.stderr.write(`usage: npm run bench -- NAME [NAME...]\navailable: ${available.join(', ')}\n`);
  process.exit(names.length === 0 ? 0 : 2);
}
// The library's own code runs as built (`npm run build` first): dist/, not the sources through tsx.
const built = statSync(join(here, '..', 'dist', 'index.js'), { throwIfNoEntry: false });
if (built) register(pathToFileURL(join(here, '_compiled-hooks.mjs')).href);
process.stdout.write(
  built
    ? 'llm-ledger code: dist/ (as built by tsc)\n'
    : 'llm-ledger code: src/ through tsx (run `npm run build` first)\n',
);
for (const name of names) {
  process.stdout.write(`\n== bench ${name} ==\n`);
  const module = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { main: () => Promise<void> };
  await module.main();
}
