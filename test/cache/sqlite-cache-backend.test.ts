import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteCacheBackend } from '../../src/cache/sqlite-cache-backend.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { describeCacheBackendContract } from '../../src/extend/contract/index.js';
import { vitestApi } from '../support/contract-api.js';

const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-cache-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let clock = Date.now();
let file = 0;
describeCacheBackendContract(vitestApi, 'sqlite', {
  open: () => Promise.resolve(new SqliteCacheBackend({ path: join(directory, `c${file++}.db`), now: () => clock })),
  expire: (ttlMs) => {
    clock += ttlMs + 1;
    return Promise.resolve();
  },
});

describe('SqliteCacheBackend in the ledger file', () => {
  it('shares the file with the store (its table comes from the migration) and outlives a reopen', async () => {
    const path = join(directory, 'ledger.db');
    const store = new SqliteStore({ path });
    await store.list({});
    const first = new SqliteCacheBackend({ path });
    await first.set('k', 'answer', null);
    await first.close();
    const second = new SqliteCacheBackend({ path });
    expect(await second.get('k')).toBe('answer');
    await second.close();
    await store.close();
  });

  it('rejects (never throws) once closed, so the cache front can fail open', async () => {
    const backend = new SqliteCacheBackend({ path: join(directory, 'closed.db') });
    await backend.close();
    await expect(backend.get('k')).rejects.toThrow();
    await expect(backend.set('k', 'v', null)).rejects.toThrow();
  });
});
