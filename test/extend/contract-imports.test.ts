import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const folder = join(root, 'src/extend/contract');
const dependencies = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies,
);

function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

describe('llm-ledger/extend/contract', () => {
  it('imports no test runner and nothing outside the package and its dependencies, so any runner can run it', () => {
    const outside: string[] = [];
    for (const file of sources(folder)) {
      // Comments go first: the suites' examples show a vitest import, which is not one.
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      for (const [, specifier] of code.matchAll(/^(?:import|export)\b[^;]*?\bfrom '([^']+)'/gm)) {
        const allowed =
          specifier!.startsWith('.') ||
          specifier!.startsWith('node:') ||
          dependencies.some((name) => specifier === name || specifier!.startsWith(`${name}/`));
        if (!allowed) outside.push(`${file.slice(folder.length + 1)}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
    expect(sources(folder).length).toBeGreaterThan(5);
  });
});
