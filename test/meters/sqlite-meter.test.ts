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
