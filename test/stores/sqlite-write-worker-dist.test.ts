import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The write worker is found beside the store's module: under vitest and tsx that is the `.ts`
 * source, loaded through tsx; in a published install it is the compiled `.js` in dist/. This
 * test runs the compiled library in a plain Node process (no tsx), so the second path is proven
 * too. dist/ is rebuilt first when it is missing or older than the worker's source.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiledWorker = join(root, 'dist', 'stores', 'sqlite', 'sqlite-write-worker.js');
const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-worker-dist-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function ensureBuilt(): void {
  const built = statSync(compiledWorker, { throwIfNoEntry: false });
  const sources = ['sqlite-write-worker.ts', 'write-worker-client.ts', 'sqlite-store.ts'].map(
    (file) => statSync(join(root, 'src', 'stores', 'sqlite', file)).mtimeMs,
  );
  if (built && built.mtimeMs >= Math.max(...sources)) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

describe('the SQLite write worker from the compiled library', () => {
  it('writes off the main thread in a plain Node process running dist/', () => {
    ensureBuilt();
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(root, 'dist', path)).href);
    // The child holds the write lock on a second connection of its own main thread and releases
    // it from a timer: the write can only succeed if it waits somewhere other than that thread.
    const script = `
      import { createRequire } from 'node:module';
      const { createLedger } = await import(${dist('index.js')});
      const { SqliteStore } = await import(${dist('stores/sqlite/index.js')});
      const path = ${JSON.stringify(join(directory, 'dist.db'))};
      const store = new SqliteStore({ path, busyTimeoutMs: 20000 });
      const ledger = createLedger({ store, configFile: false, env: {}, shutdownHooks: false, deadLetters: false });
      const Database = createRequire(${dist('index.js')})('better-sqlite3');
      const locker = new Database(path);
      locker.exec('BEGIN IMMEDIATE');
      setTimeout(() => { locker.exec('COMMIT'); locker.close(); }, 300);
      const ids = [];
      for (let index = 0; index < 700; index++) {
        ids.push(ledger.start({ provider: 'openai', model: 'gpt-4o-mini' }).complete({ tokens: { input: 1, output: 2 } }).id);
      }
      await ledger.flush();
      const stats = ledger.stats();
      const stored = (await ledger.calls.list({ limit: 1000 })).records.length;
      await ledger.close();
      process.stdout.write(JSON.stringify({ stored, written: stats.written, failedWrites: stats.failedWrites }) + '\\n');
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: directory,
      encoding: 'utf8',
    });
    const result = JSON.parse(output.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(result).toEqual({ stored: 700, written: 700, failedWrites: 0 });
  }, 240_000); // a rebuild of dist/ on a busy machine takes a minute
});
