import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, silentLogger, type CreatedLedger } from '../../src/index.js';
import { tempDir } from '../cli/cli-harness.js';

let dir: ReturnType<typeof tempDir>;
let ledger: CreatedLedger | undefined;
beforeEach(() => (dir = tempDir()));
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
  dir.remove();
});

const messages = [{ role: 'user', content: 'Summarize our refund policy in one line.' }];

describe('createLedger with a meter', () => {
  it('has no meter unless one is configured', () => {
    ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger });
    expect(ledger.meter).toBeUndefined();
  });

  it('refuses a call over a hard budget from llm_config.yaml before fn runs, and meters what ran', async () => {
    const config = join(dir.path, 'llm_config.yaml');
    writeFileSync(
      config,
      [
        'limits:',
        '  default_max_output_tokens: 100',
        '  budgets:',
        '    - { subject: "user:*", period: day, max_requests: 2, mode: hard }',
      ].join('\n'),
    );
    ledger = createLedger({ store: join(dir.path, 'ledger.db'), configFile: config, env: {}, logger: silentLogger });
    expect(ledger.meter?.kind).toBe('sqlite');
    let ran = 0;
    const call = () =>
      ledger!.logCall({ provider: 'openai', model: 'gpt-4o-mini', userId: 'u-1', messages }, async (handle) => {
        ran += 1;
        handle.complete({ tokens: { input: 12, output: 8 } });
      });
    await call();
    await call();
    await expect(call()).rejects.toMatchObject({
      name: 'QuotaExceededError',
      code: 'QUOTA_EXCEEDED',
      subject: 'user:u-1',
    });
    expect(ran).toBe(2);
    await ledger.flush();
    await ledger.meter!.flush();
    const usage = await ledger.meter!.get('user:u-1', 'day');
    expect(usage).toMatchObject({
      requests: 2,
      tokens: { input: 24, output: 16, total: 40 },
      reserved: { requests: 0 },
    });
    const { records } = await ledger.calls.list();
    expect(records).toHaveLength(2);
  });

  it('takes limits set at run time and a meter location string', async () => {
    ledger = createLedger({ store: 'memory', configFile: false, env: {}, meter: 'memory', logger: silentLogger });
    ledger.limits!.setRate({ subject: 'user:*', requestsPerMinute: 1 });
    await ledger.logCall({ model: 'gpt-4o-mini', userId: 'u-2', messages }, (handle) => void handle.complete());
    await expect(
      ledger.logCall({ model: 'gpt-4o-mini', userId: 'u-2', messages }, (handle) => void handle.complete()),
    ).rejects.toMatchObject({ name: 'RateLimitedError' });
  });

  it('runs a batch with bounded concurrency and a summary', async () => {
    ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger });
    const result = await ledger.batch(
      [1, 2, 3, 4],
      async (item) => {
        if (item === 3) throw new Error('item three failed');
        return ledger!.logCall({ model: 'gpt-4o-mini', messages }, (handle) => {
          handle.complete({ tokens: { input: 10, output: item } });
          return item * 2;
        });
      },
      { concurrency: 2 },
    );
    expect(result.summary).toMatchObject({ count: 4, failures: 1 });
  });
});
