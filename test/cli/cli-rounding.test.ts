import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, silentLogger } from '../../src/index.js';
import { cli, tempDir } from './cli-harness.js';

let dir: ReturnType<typeof tempDir>;
let db: string;
let config: string;

beforeEach(() => {
  dir = tempDir();
  db = join(dir.path, 'ledger.db');
  config = join(dir.path, 'llm_config.yaml');
  // $1.234567 per 1M input tokens: one call of 1M input costs 1.234567 exactly.
  writeFileSync(
    config,
    `settings:\n  usage_logging:\n    default_rounding_decimals: 2\nmodels:\n  house-model:\n    provider: custom\n    pricing:\n      input:\n        cost_per_1m: "1.234567"\n      output:\n        cost_per_1m: "0"\n`,
  );
});
afterEach(() => dir.remove());

describe('default_rounding_decimals', () => {
  it('rounds the cost shown by report, calls, usage and cost alike; --exact and --json keep every digit', async () => {
    const ledger = createLedger({ store: db, configFile: config, logger: silentLogger });
    const call = ledger.start({ provider: 'custom', model: 'house-model', userId: 'u1' });
    call.complete({ tokens: { input: 1_000_000, output: 0 } });
    await ledger.close();

    const common = ['--db', db, '--config', config];
    const report = await cli(['report', ...common], dir.path);
    const calls = await cli(['calls', ...common], dir.path);
    const usage = await cli(['usage', '--user', 'u1', '--source', 'ledger', ...common], dir.path);
    const cost = await cli(
      ['cost', '--model', 'house-model', '--input', '1000000', '--output', '0', ...common],
      dir.path,
    );
    for (const run of [report, calls, usage, cost]) {
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('$1.23');
      expect(run.stdout).not.toContain('1.234567');
    }

    for (const command of [
      ['report', ...common],
      ['calls', ...common],
      ['usage', '--user', 'u1', '--source', 'ledger', ...common],
      ['cost', '--model', 'house-model', '--input', '1000000', '--output', '0', ...common],
    ]) {
      const exact = await cli([...command, '--exact'], dir.path);
      expect(exact.stdout).toContain('$1.234567');
      const json = await cli([...command, '--json'], dir.path);
      expect(json.stdout).toContain('"1.234567"');
    }
  });
});
