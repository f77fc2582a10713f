import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './core/errors.js';
import { redactUrlCredentials } from './core/redact-url.js';
import type { Store } from './core/store.js';
import { MemoryStore } from './stores/memory.js';
import { PostgresStore } from './stores/postgres/postgres-store.js';
import { SqliteStore } from './stores/sqlite/sqlite-store.js';

/** Opens a store from its location string. */
export function openStore(
  location: string,
  cwd: string = process.cwd(),
  options: { maxFieldChars?: number } = {},
): Store {
  if (location === 'memory') return new MemoryStore();
  if (/^postgres(ql)?:\/\//i.test(location)) return new PostgresStore({ connectionString: location });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('sqlite:') && !location.startsWith('file:')) {
    const scheme = location.slice(0, location.indexOf(':'));
    throw new ConfigError({
      source: 'store',
      path: 'store',
      expected: `"memory", a SQLite file path, "sqlite:PATH" or a Store instance or a postgres:// URL (the ${scheme} scheme is unknown)`,
      received: JSON.stringify(redactUrlCredentials(location)),
    });
  }
  const path = location.replace(/^(sqlite|file):(\/\/)?/, '');
  if (path === ':memory:') return new SqliteStore({ path, maxFieldChars: options.maxFieldChars });
  const absolute = resolve(cwd, path);
  mkdirSync(dirname(absolute), { recursive: true });
  return new SqliteStore({ path: absolute, maxFieldChars: options.maxFieldChars });
}

/** The ledger's SQLite file, when its store is one. */
export function sqlitePathOf(location: string, cwd: string): string | undefined {
  if (location === 'memory' || /^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    return location.startsWith('sqlite:') || location.startsWith('file:')
      ? resolve(cwd, location.replace(/^(sqlite|file):(\/\/)?/, ''))
      : undefined;
  }
  const path = location.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? undefined : resolve(cwd, path);
}
