import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, silentLogger } from '../../src/index.js';
import { cli, tempDir } from './cli-harness.js';

let dir: ReturnType<typeof tempDir>;
let db: string;
let config: string;

function writePrices(inputPer1m: string, outputPer1m: string): void {
  writeFileSync(
    config,
    `models:\n  house-model:\n    provider: custom\n    pricing:\n      currency: USD\n      input:\n        cost_per_1m: ${inputPer1m}\n      output:\n        cost_per_1m: ${outputPer1m}\n`,
  );
}

beforeEach(() => {
  dir = tempDir();
  db = join(dir.path, 'ledger.db');
  config = join(dir.path, 'llm_config.yaml');
});
afterEach(() => dir.remove());

async function seed(): Promise<string[]> {
  const ledger = createLedger({ store: db, configFile: config, logger: silentLogger });
  const ids: string[] = [];
  for (let index = 0; index < 3; index++) {
    const call = ledger.start({ provider: 'custom', model: 'house-model' });
    call.complete({ tokens: { input: 1_000_000, output: 100_000 } });
    ids.push(call.id);
  }
  await ledger.close();
  return ids;
}

describe('llm-ledger reprice', () => {
  it('recomputes costs with new prices, keeps the old cost in history, and prints the diff', async () => {
    writePrices('2', '8');
    const ids = await seed(); // each call: 1M input at $2 + 100k output at $8/M = $2.80
    writePrices('1', '4'); // now $1.40 a call

    const dry = await cli(
      ['reprice', '--since', '1d', '--db', db, '--config', config, '--dry-run', '--json'],
      dir.path,
    );
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as { changed: number; oldTotal: string; newTotal: string; dryRun: boolean };
    expect(planned).toMatchObject({ dryRun: true, changed: 3, oldTotal: '8.4', newTotal: '4.2' });

    const untouched = createLedger({ store: db, configFile: false, pricer: false, logger: silentLogger });
    expect((await untouched.calls.get(ids[0]!))?.cost?.total).toBe('2.8');
    await untouched.close();

    const run = await cli(['reprice', '--since', '1d', '--db', db, '--config', config], dir.path);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 calls scanned, 3 changed: $8.400000 -> $4.200000');
    expect(run.stdout).toMatch(/house-model\s+3\s+\$8\.400000\s+\$4\.200000\s+-\$4\.200000/);

    const ledger = createLedger({ store: db, configFile: false, pricer: false, logger: silentLogger });
    const record = await ledger.calls.get(ids[1]!);
    expect(record?.cost?.total).toBe('1.4');
    expect(record?.costHistory.map((cost) => cost.total)).toEqual(['2.8']);
    await ledger.close();

    const again = await cli(['reprice', '--since', '1d', '--db', db, '--config', config], dir.path);
    expect(again.stdout).toBe('3 calls scanned, 0 changed.\n');
  });

  it('changes only the costs whose value moved: an unrelated edit or the same value written differently changes nothing', async () => {
    const twoModels = (houseInput: string, otherInput: string, extra = '') =>
      writeFileSync(
        config,
        `models:\n  house-model:\n    provider: custom\n    pricing:\n      input:\n        cost_per_1m: ${houseInput}\n      output:\n        cost_per_1m: "8"\n` +
          `  other-model:\n    provider: custom\n    pricing:\n      input:\n        cost_per_1m: ${otherInput}\n      output:\n        cost_per_1m: "1"\n${extra}`,
      );
    twoModels('"2"', '"1"');
    const ledger = createLedger({ store: db, configFile: config, logger: silentLogger });
    const ids: string[] = [];
    for (const model of ['house-model', 'house-model', 'other-model']) {
      const call = ledger.start({ provider: 'custom', model });
      call.complete({ tokens: { input: 1_000_000, output: 100_000 } });
      ids.push(call.id);
    }
    await ledger.close();

    // The same prices written with another scale, plus an unrelated setting: nothing to reprice.
    twoModels('"2.000"', '"1.0"', 'pricing:\n  deployments:\n    prod: custom/house-model\n');
    const unchanged = await cli(['reprice', '--since', '1d', '--db', db, '--config', config], dir.path);
    expect(unchanged.stdout).toBe('3 calls scanned, 0 changed.\n');

    // One model's price moves: only its call changes, with one history entry.
    twoModels('"2"', '"3"');
    const run = await cli(['reprice', '--since', '1d', '--db', db, '--config', config, '--json'], dir.path);
    expect(JSON.parse(run.stdout)).toMatchObject({ scanned: 3, changed: 1, oldTotal: '1.1', newTotal: '3.1' });

    const reader = createLedger({ store: db, configFile: false, pricer: false, logger: silentLogger });
    for (const id of ids.slice(0, 2)) expect((await reader.calls.get(id))?.costHistory).toEqual([]);
    const moved = await reader.calls.get(ids[2]!);
    expect(moved?.cost?.total).toBe('3.1');
    expect(moved?.costHistory.map((cost) => cost.total)).toEqual(['1.1']);
    expect(moved?.cost?.pricingVersion).toMatch(/;model=custom\/other-model;period=always;user=[0-9a-f]{8}$/);
    await reader.close();
  });

  it('requires --since', async () => {
    const run = await cli(['reprice', '--db', db], dir.path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --since');
  });
});
