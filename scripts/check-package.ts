// The package as users get it: build once (skipped when dist/ is newer than every source file),
// pack once, then publint and Are-the-Types-Wrong on the tarball and the API report on dist/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const run = (command: string, args: string[]): void => {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
};

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  try {
    const built = statSync(join(root, 'dist', 'index.d.ts')).mtimeMs;
    return built >= newestMtime(join(root, 'src')) && built >= statSync(join(root, 'package.json')).mtimeMs;
  } catch {
    return false;
  }
}

if (!distIsFresh()) run('npm', ['run', 'build', '--silent']);

const packDir = mkdtempSync(join(tmpdir(), 'llm-ledger-pack-'));
try {
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], {
    cwd: root,
    encoding: 'utf8',
  });
  const tarball = join(packDir, packed.trim().split('\n').at(-1)!);
  console.log('=== publint');
  run(bin('publint'), ['run', tarball, '--strict']);
  console.log('=== attw (esm-only)');
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color']);
  console.log('=== api report');
  run(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'api-report.ts')]);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
