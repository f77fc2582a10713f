import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMeterBackend } from '../../src/meters/sqlite/sqlite-meter.js';
import { describeMeterContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';

describeMeterContract(vitestApi, 'sqlite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-meter-'));
  return {
    backend: new SqliteMeterBackend({ path: join(directory, 'ledger.db') }),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

describe('the SQLite meter backend', () => {
  it('without a path or a database is a ConfigError naming the option, as for the SQLite store', () => {
    for (const options of [{}, { path: '' }, { path: 42 as unknown as string }]) {
      expect(() => new SqliteMeterBackend(options)).toThrow(ConfigError);
      expect(() => new SqliteMeterBackend(options)).toThrow(/path.*SQLite file path/s);
    }
  });
});
