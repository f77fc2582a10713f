// Bundles the dashboard (src/server/dashboard/app) into dist/server/dashboard: one minified script,
// one stylesheet and index.html, all served from the server's own origin. No inline script or
// style, so the page runs under `Content-Security-Policy: default-src 'self'`.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/server/dashboard/app');
// `--out DIR` builds elsewhere (the browser tests build a fresh copy of the current source).
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? join(root, 'dist/server/dashboard') : process.argv[outFlag + 1];
if (!out) throw new Error('build-dashboard: --out needs a folder');
const assets = join(out, 'assets');
const SCRIPT_BUDGET_GZIP = 150 * 1024;

await rm(out, { recursive: true, force: true });
await mkdir(assets, { recursive: true });
await build({
  entryPoints: { app: join(source, 'main.tsx') },
  outdir: assets,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(source, 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'warning',
  loader: { '.css': 'css' },
});
await copyFile(join(source, 'index.html'), join(out, 'index.html'));

const report = [];
let scriptGzip = 0;
for (const name of ['app.js', 'app.css']) {
  const bytes = await readFile(join(assets, name));
  const gzip = gzipSync(bytes, { level: 9 }).length;
  if (name.endsWith('.js')) scriptGzip += gzip;
  report.push(`${name} ${(bytes.length / 1024).toFixed(1)} KB (${(gzip / 1024).toFixed(1)} KB gzip)`);
}
process.stdout.write(`dashboard: ${report.join(', ')}\n`);
if (scriptGzip > SCRIPT_BUDGET_GZIP) {
  process.stderr.write(
    `dashboard: the script is ${scriptGzip} bytes gzipped, over the ${SCRIPT_BUDGET_GZIP} byte budget\n`,
  );
  process.exit(1);
}
