import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, Ledger } from '../../src/core/ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Durability } from '../../src/core/spool.js';
import type { Store } from '../../src/core/store.js';
import { FileSpool } from '../../src/delivery/file-spool.js';

export function spoolDirectory(label: string): string {
  return mkdtempSync(join(tmpdir(), `llm-ledger-${label}-`));
}

/** A ledger with a file spool, no pricing, and fast flushes. */
export function spooledLedger(
  store: Store,
  directory: string,
  options: { durability?: Durability; flushIntervalMs?: number; batchSize?: number; highWaterMark?: number } = {},
): Ledger {
  return new Ledger({
    settings: {
      ...DEFAULT_SETTINGS,
      flushIntervalMs: options.flushIntervalMs ?? 20,
      batchSize: options.batchSize ?? DEFAULT_SETTINGS.batchSize,
      highWaterMark: options.highWaterMark ?? DEFAULT_SETTINGS.highWaterMark,
    },
    store,
    logger: silentLogger,
    spool: new FileSpool({ directory }),
    durability: options.durability,
  });
}

/** One small call, completed at once. Returns its id. */
export function recordCall(ledger: Ledger, index: number): string {
  const call = ledger.start({
    provider: 'test',
    model: `model-${index % 3}`,
    messages: [{ role: 'user', content: `hello ${index}` }],
  });
  call.complete({ responseMessage: 'hi', tokens: { input: 3, output: 1 } });
  return call.id;
}
