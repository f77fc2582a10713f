import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's prebuilt files, served from one folder (`dist/server/dashboard/` in the package):
 * `index.html` for `/` and for the dashboard's own paths, `/assets/*` as they are. Nothing is
 * fetched from a CDN; HTML carries a strict Content-Security-Policy (no inline script).
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response: no sniffing, no framing, no referrer leaking a call id. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where the built dashboard is: beside this module in `dist/server/`, else the build output of a source checkout. */
export function defaultDashboardDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  if (here.split(sep).includes('src')) return resolve(here, '..', '..', 'dist', 'server', 'dashboard');
  return join(here, 'dashboard');
}

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>llm-ledger</title></head>
<body><h1>llm-ledger</h1>
<p>The dashboard was not built. The JSON API is available under <code>/api/v1/</code>
(for example <a href="/api/v1/usage/summary">/api/v1/usage/summary</a>).</p>
<p>In a source checkout, run <code>npm run build</code> to build the dashboard.</p>
</body></html>
`;

export interface StaticFile {
  body: Uint8Array;
  contentType: string;
}

export class DashboardAssets {
  constructor(readonly dir: string) {}

  /** `index.html`, or null when the dashboard was not built. */
  async index(): Promise<StaticFile | null> {
    return this.read(join(this.dir, 'index.html'));
  }

  /** A file under `assets/`, or null when there is none (or the path tries to leave the folder). */
  async asset(relative: string): Promise<StaticFile | null> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null;
    const root = resolve(this.dir, 'assets');
    const path = resolve(root, decoded);
    if (!path.startsWith(root + sep)) return null;
    return this.read(path);
  }

  private async read(path: string): Promise<StaticFile | null> {
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      const body = await readFile(path);
      const contentType = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
      return { body, contentType };
    } catch {
      return null;
    }
  }
}
