import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Importing llm-ledger does no I/O: the default ledger (SQLite in the working directory) and the
 * default meter (Redis from REDIS_HOST) are created on first explicit use, never at import. A
 * child process imports every entry point in package.json `exports` from an empty working
 * directory, with REDIS_HOST pointing at a listener of ours: no file may appear, no connection
 * may arrive, and no socket or file handle may be left open. tsx's disk cache is off in the child:
 * on a cold cache tsx writes and expires its cache files asynchronously, file requests of its own
 * that a loaded machine can still have open when the child looks.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cwd = mkdtempSync(join(tmpdir(), 'llm-ledger-import-'));
let server: Server;
let connections = 0;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(cwd, { recursive: true, force: true });
});

/** `./dist/x/index.js` -> the source `src/x/index.ts`. */
function entrySources(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { import?: string } | string>;
  };
  return Object.values(pkg.exports)
    .flatMap((target) => (typeof target === 'object' && target.import ? [target.import] : []))
    .map((path) => join(root, path.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')));
}

describe('importing every entry point', () => {
  it('opens no file and no socket, and creates no default ledger or meter', () => {
    const sources = entrySources();
    expect(sources.length).toBeGreaterThan(10);
    const script = `
      const urls = ${JSON.stringify(sources.map((source) => pathToFileURL(source).href))};
      for (const url of urls) await import(url);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const resources = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap');
      const slots = ['default-ledger', 'default-meter'].filter((name) => globalThis[Symbol.for('llm-ledger.' + name)] !== undefined);
      console.log(JSON.stringify({ resources, slots }));
    `;
    const output = execFileSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href,
        '--input-type=module',
        '-e',
        script,
      ],
      {
        cwd,
        env: {
          ...process.env,
          TSX_DISABLE_CACHE: '1',
          REDIS_HOST: '127.0.0.1',
          REDIS_PORT: String(port),
          LLM_LEDGER_METER: '',
        },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    const report = JSON.parse(output.trim().split('\n').at(-1)!) as { resources: string[]; slots: string[] };
    expect(report.slots).toEqual([]);
    expect(report.resources.filter((kind) => /TCP|FSReq|FileHandle|Process|UDP/.test(kind))).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
    expect(connections).toBe(0);
  }, 180_000);
});
