import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ours from '../../src/index.js';
import { ExportWriteError } from '../../src/cli/format/export-output.js';

/*
 * An application can end up with two copies of llm-ledger (a bundled one and one from
 * node_modules): `instanceof` is false across them. `isInstance` is checked here against a real
 * second copy of the error classes, bundled from the same sources into a separate module.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-second-copy-'));
const ERROR_CLASSES = [
  'LedgerError',
  'ConfigError',
  'ValidationError',
  'CallAlreadyFinalizedError',
  'StoreError',
  'StoreReadOnlyError',
  'LedgerClosedError',
  'PriceDataError',
  'SpoolInUseError',
  'QuotaExceededError',
  'RateLimitedError',
  'MeterUnavailableError',
  'MeterClosedError',
  'ProviderStreamError',
] as const;
type ErrorClassName = (typeof ERROR_CLASSES)[number];
type AnyErrorClass = (abstract new (...args: never[]) => Error) & { isInstance(value: unknown): boolean };

let copy: Record<ErrorClassName | 'ExportWriteError', new (...args: never[]) => Error>;

beforeAll(async () => {
  const out = join(directory, 'second-copy.mjs');
  await build({
    stdin: {
      contents: [
        `export * from './src/core/errors.ts';`,
        `export * from './src/meters/errors.ts';`,
        `export { SpoolInUseError } from './src/delivery/file-spool.ts';`,
        `export { ProviderStreamError } from './src/capture/provider-stream-error.ts';`,
        `export { ExportWriteError } from './src/cli/format/export-output.ts';`,
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'silent',
  });
  writeFileSync(join(directory, 'package.json'), '{"type":"module"}');
  copy = (await import(pathToFileURL(out).href)) as typeof copy;
}, 60_000);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** One instance of each class, built with valid constructor arguments. */
function instances(classes: Record<string, new (...args: never[]) => Error>): Record<string, Error> {
  const make = (name: string, ...args: unknown[]) => new (classes[name] as new (...a: unknown[]) => Error)(...args);
  return {
    LedgerError: make('LedgerError', 'boom'),
    ConfigError: make('ConfigError', { source: 'env', path: 'x', expected: 'a number' }),
    ValidationError: make('ValidationError', 'tokens', 'negative'),
    CallAlreadyFinalizedError: make('CallAlreadyFinalizedError', 'id', 'success'),
    StoreError: make('StoreError', 'down', { retryable: true }),
    StoreReadOnlyError: make('StoreReadOnlyError', '/tmp/x.db', 'read-only file'),
    LedgerClosedError: make('LedgerClosedError'),
    PriceDataError: make('PriceDataError', { source: 'file', path: '', problem: 'empty' }),
    SpoolInUseError: make('SpoolInUseError', '/tmp/spool', 123, false),
    QuotaExceededError: make('QuotaExceededError', {
      subject: 'user:a',
      limit: {},
      field: 'cost',
      used: '1',
      reserved: '0',
      estimate: '1',
      max: '1',
      resetsAt: new Date(0),
    }),
    RateLimitedError: make('RateLimitedError', { subject: 'user:a', kind: 'requests', perMinute: 1, retryAfterMs: 5 }),
    MeterUnavailableError: make('MeterUnavailableError', 'redis down'),
    MeterClosedError: make('MeterClosedError'),
    ProviderStreamError: make('ProviderStreamError', 'failed'),
  };
}

describe('isInstance: the way to check an error class', () => {
  it('is true for an error of the same class from a second copy of the package, where instanceof is false', () => {
    const theirs = instances(copy);
    for (const name of ERROR_CLASSES) {
      const ourClass = (ours as unknown as Record<string, AnyErrorClass>)[name]!;
      expect(theirs[name] instanceof ourClass, name).toBe(false);
      expect(ourClass.isInstance(theirs[name]), name).toBe(true);
    }
  });

  it('follows the class hierarchy across copies, and says no to siblings and non-errors', () => {
    const theirs = instances(copy);
    expect(ours.LedgerError.isInstance(theirs.QuotaExceededError)).toBe(true);
    expect(ours.StoreError.isInstance(theirs.StoreReadOnlyError)).toBe(true);
    expect(ours.StoreError.isInstance(theirs.MeterUnavailableError)).toBe(true);
    expect(ours.ConfigError.isInstance(theirs.SpoolInUseError)).toBe(true);
    expect(ours.StoreReadOnlyError.isInstance(theirs.StoreError)).toBe(false);
    expect(ours.QuotaExceededError.isInstance(theirs.RateLimitedError)).toBe(false);
    expect(ours.LedgerError.isInstance(theirs.ProviderStreamError)).toBe(false);
    expect(ours.ProviderStreamError.isInstance(theirs.LedgerError)).toBe(false);
    for (const value of [null, undefined, 'QuotaExceededError', {}, new Error('x'), { code: 'STORE_ERROR' }]) {
      expect(ours.LedgerError.isInstance(value)).toBe(false);
      expect(ours.QuotaExceededError.isInstance(value)).toBe(false);
    }
  });

  it('works within one copy, and every error class has a name of its own (no subclass inherits its parent kind)', () => {
    const mine = instances(ours as unknown as Record<string, new (...args: never[]) => Error>);
    for (const name of ERROR_CLASSES) {
      const ourClass = (ours as unknown as Record<string, AnyErrorClass>)[name]!;
      expect(ourClass.isInstance(mine[name]), name).toBe(true);
      expect(Object.getOwnPropertySymbols(ourClass), name).toContain(Symbol.for('llm-ledger.error-kind'));
    }
    const exportError = new ExportWriteError('out.csv', 3, new Error('EACCES'));
    expect(ExportWriteError.isInstance(exportError)).toBe(true);
    expect(ExportWriteError.isInstance(new copy.ExportWriteError(...(['out.csv', 3, new Error('x')] as never[])))).toBe(
      true,
    );
  });

  it('a subclass an application defines without a kind of its own falls back to instanceof', () => {
    class AppQuotaError extends ours.QuotaExceededError {}
    const theirs = instances(copy);
    expect(AppQuotaError.isInstance(theirs.QuotaExceededError)).toBe(false);
  });
});
