import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLedger, silentLogger } from '../../src/index.js';
import { PriceDataError } from '../../src/core/errors.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import { startPriceUpdates } from '../../src/price-data/price-updater.js';
import { createPricer, type LedgerPricer } from '../../src/pricing/create-pricer.js';
import { catalogFromGenaiData, parseGenaiPricesData } from '../../src/pricing/genai-prices-data.js';
import { readGenaiPricesProviders } from '../../src/pricing/genai-prices-source.js';
import { swappablePricer } from '../../src/pricing/swappable-pricer.js';
import { cli, tempDir } from '../cli/cli-harness.js';
import { modifiedData, startPriceDataServer, type PriceDataServer } from './support/price-data-server.js';

let dir: ReturnType<typeof tempDir>;
let server: PriceDataServer;
let db: string;

beforeEach(async () => {
  dir = tempDir();
  db = join(dir.path, 'ledger.db');
  server = await startPriceDataServer(JSON.stringify(modifiedData()));
});
afterEach(async () => {
  await server.close();
  dir.remove();
});

const sonnetCacheRead = { input: 1_000_000, cacheRead: 1_000_000, output: 0 };

describe('llm-ledger prices update', () => {
  it('shows the models added and the prices changed with their dates, and applies only with --apply', async () => {
    const shown = await cli(['prices', 'update', '--from', server.url, '--db', db], dir.path);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('current: genai-prices@0.1.8+2026-09-23');
    expect(shown.stdout).toMatch(/new: {5}genai-prices@data\+sha\.[0-9a-f]{8}/);
    expect(shown.stdout).toContain('1 models added, 0 removed, 1 with changed prices');
    expect(shown.stdout).toContain('+ anthropic/claude-nova-1');
    // The old flat price now ends where the new period starts: only the price that moved is shown.
    expect(shown.stdout).toMatch(/anthropic\/claude-sonnet-5\s+2026-10-07\.\.\s+cacheRead\s+0\.2\s+0\.1\n/);
    expect(shown.stdout).toContain('Not applied. Run again with --apply');
    expect(existsSync(join(dir.path, 'genai-prices.json'))).toBe(false);

    // Not applied: the bundled prices still price a call of 2026-11-01.
    const before = await cli(
      [
        'cost',
        '--db',
        db,
        '--model',
        'claude-sonnet-5',
        '--input',
        '2000000',
        '--cache-read',
        '1000000',
        '--at',
        '2026-11-01',
        '--json',
      ],
      dir.path,
    );
    expect(JSON.parse(before.stdout).cost.breakdown.cacheRead).toBe('0.2');

    const applied = await cli(['prices', 'update', '--from', server.url, '--db', db, '--apply'], dir.path);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`Applied: saved to ${join(dir.path, 'genai-prices.json')}`);

    const after = await cli(
      [
        'cost',
        '--db',
        db,
        '--model',
        'claude-sonnet-5',
        '--input',
        '2000000',
        '--cache-read',
        '1000000',
        '--at',
        '2026-11-01',
        '--json',
      ],
      dir.path,
    );
    const cost = JSON.parse(after.stdout).cost as { breakdown: { cacheRead: string }; pricingVersion: string };
    expect(cost.breakdown.cacheRead).toBe('0.1');
    expect(cost.pricingVersion).toMatch(
      /^genai-prices@data\+sha\.[0-9a-f]{8};model=anthropic\/claude-sonnet-5;period=2026-10-07\.\.;user=none$/,
    );
    // Before the new date the old price still applies, and a new model is priced.
    const earlier = await cli(
      [
        'cost',
        '--db',
        db,
        '--model',
        'claude-sonnet-5',
        '--input',
        '2000000',
        '--cache-read',
        '1000000',
        '--at',
        '2026-10-06',
        '--json',
      ],
      dir.path,
    );
    expect(JSON.parse(earlier.stdout).cost.breakdown.cacheRead).toBe('0.2');
    const nova = await cli(
      ['cost', '--db', db, '--model', 'claude-nova-1', '--input', '1000000', '--output', '0'],
      dir.path,
    );
    expect(nova.code).toBe(0);

    // A ledger on that database prices with the applied data from its start.
    const ledger = createLedger({ store: db, configFile: false, logger: silentLogger });
    const call = ledger.start({ provider: 'anthropic', model: 'claude-nova-1' });
    call.complete({ tokens: { input: 1_000_000, output: 0 } });
    await ledger.close();
    const reader = createLedger({ store: db, configFile: false, pricer: false, logger: silentLogger });
    expect((await reader.calls.get(call.id))?.cost?.total).toBe('1');
    await reader.close();

    const again = await cli(['prices', 'update', '--from', server.url, '--db', db], dir.path);
    expect(again.stdout).toContain('0 models added, 0 removed, 0 with changed prices');
    expect(again.stdout).toContain('The data is the one in use: nothing to apply.');
  });

  it('refuses an invalid file with a typed error naming the problem, and applies nothing', async () => {
    const broken = modifiedData();
    const anthropic = broken.find((provider) => provider.id === 'anthropic')!;
    (anthropic.models[0]!.prices as Record<string, unknown>).output_mtok = -5;
    server.body = JSON.stringify(broken);
    const run = await cli(['prices', 'update', '--from', server.url, '--db', db, '--apply'], dir.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('at [0]("anthropic").models[0]("claude-nova-1").prices.output_mtok');
    expect(run.stderr).toContain('Nothing of it was applied');
    expect(existsSync(join(dir.path, 'genai-prices.json'))).toBe(false);

    server.status = 503;
    const down = await cli(['prices', 'update', '--from', server.url, '--db', db], dir.path);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('the server answered HTTP 503');

    const file = join(dir.path, 'data.json');
    writeFileSync(file, '{"not": "a list"}');
    const wrongShape = await cli(['prices', 'update', '--from', file, '--db', db], dir.path);
    expect(wrongShape.code).toBe(1);
    expect(wrongShape.stderr).toContain('Invalid price data from');
  });

  it('reads a file too, and a data file identical to the bundled data keeps the bundled label', async () => {
    const file = join(dir.path, 'data.json');
    writeFileSync(file, server.body);
    const run = await cli(['prices', 'update', '--from', file, '--db', db, '--json'], dir.path);
    const diff = JSON.parse(run.stdout) as { added: string[]; applied: boolean; dataFile: string };
    expect(diff).toMatchObject({
      added: ['anthropic/claude-nova-1'],
      applied: false,
      dataFile: join(dir.path, 'genai-prices.json'),
    });
    const bundled = parseGenaiPricesData(JSON.stringify(readGenaiPricesProviders()), 'x');
    expect(catalogFromGenaiData(bundled).label).toBe('genai-prices@0.1.8+2026-09-23');
  });

  it('a saved data file that became invalid stops the start with PriceDataError instead of silently using older prices', () => {
    writeFileSync(join(dir.path, 'genai-prices.json'), '[{"id": "x"}]');
    expect(() => createLedger({ store: db, configFile: false, logger: silentLogger, shutdownHooks: false })).toThrow(
      PriceDataError,
    );
  });

  it('validates every price, constraint and match rule', () => {
    const valid = modifiedData();
    const cases: Array<[(data: ReturnType<typeof modifiedData>) => void, string]> = [
      [(data) => ((data[0]!.models[0]!.prices as Record<string, unknown>).input_mtok = 'cheap'), 'prices.input_mtok'],
      [(data) => ((data[0]!.models[0]! as { match: unknown }).match = { equal: 'x' }), 'match'],
      [
        (data) =>
          ((data[0]!.models[0]! as { prices: unknown }).prices = [
            { constraint: { start_date: '2026-13-01' }, prices: {} },
          ]),
        'constraint.start_date',
      ],
      [(data) => data[0]!.models.push(structuredClone(data[0]!.models[0]!)), 'is listed twice'],
    ];
    for (const [breakIt, expected] of cases) {
      const data = structuredClone(valid);
      breakIt(data);
      const error = (() => {
        try {
          parseGenaiPricesData(JSON.stringify(data), 'test');
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(PriceDataError);
      expect((error as PriceDataError).code).toBe('PRICE_DATA_ERROR');
      expect((error as Error).message).toContain(expected);
    }
  });
});

describe('pricing.update in a long-running process', () => {
  it('reloads on an interval, swaps the prices, logs the difference; a failure keeps the current prices', async () => {
    const pricer = swappablePricer(createPricer());
    const logged: string[] = [];
    const problems: Problem[] = [];
    const logger = { ...silentLogger, info: (_: unknown, message: string) => logged.push(message) };
    server.status = 500;
    const updater = startPriceUpdates({
      from: server.url,
      everyMs: 60_000,
      pricer,
      build: (catalog) => createPricer({ catalog }),
      logger: { ...logger, warn: (_: unknown, message: string) => logged.push(message) },
      onError: (problem) => problems.push(problem),
    });
    try {
      await vi.waitFor(() => expect(problems).toHaveLength(1));
      expect(problems[0]).toMatchObject({ kind: 'pricing', subject: 'pricing.update' });
      expect(problems[0]!.error).toBeInstanceOf(PriceDataError);
      expect(pricer.catalog?.label).toBe('genai-prices@0.1.8+2026-09-23');

      const at = '2026-11-01T00:00:00.000Z';
      const before = pricer.calculate({ model: 'claude-sonnet-5', tokens: sonnetCacheRead, at });
      server.status = 200;
      const diff = await updater.updateNow();
      expect(diff?.added).toEqual(['anthropic/claude-nova-1']);
      expect(pricer.catalog?.label).toMatch(/^genai-prices@data\+sha\./);
      expect(logged.at(-1)).toMatch(
        /prices updated from genai-prices@0\.1\.8\+2026-09-23 to genai-prices@data\+sha\.[0-9a-f]{8}: 1 models added, 0 removed, 1 with changed prices/,
      );
      const after = pricer.calculate({ model: 'claude-sonnet-5', tokens: sonnetCacheRead, at });
      expect([before.breakdown.cacheRead, after.breakdown.cacheRead]).toEqual(['0.2', '0.1']);

      // Unchanged data: nothing swapped. Invalid data: reported, the applied prices stay.
      expect(await updater.updateNow()).toBeNull();
      server.body = '[';
      expect(await updater.updateNow()).toBeNull();
      expect(problems.at(-1)!.error).toBeInstanceOf(PriceDataError);
      expect(pricer.calculate({ model: 'claude-nova-1', tokens: { input: 1_000_000, output: 0 } }).total).toBe('1');
    } finally {
      updater.stop();
    }
  });

  it('is configured in llm_config.yaml, saves what it applies, and never throws at the application', async () => {
    const config = join(dir.path, 'llm_config.yaml');
    const dataFile = join(dir.path, 'prices', 'data.json');
    writeFileSync(
      config,
      `pricing:\n  data_file: prices/data.json\n  update:\n    from: ${server.url}\n    every_minutes: 60\n`,
    );
    const ledger = createLedger({ store: 'memory', configFile: config, logger: silentLogger, shutdownHooks: false });
    try {
      await vi.waitFor(() => expect(existsSync(dataFile)).toBe(true));
      expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toEqual(modifiedData());
      await vi.waitFor(() =>
        expect(
          (ledger.pricer as LedgerPricer).calculate({ model: 'claude-nova-1', tokens: { input: 2_000_000 } }).total,
        ).toBe('2'),
      );
      const call = ledger.start({ provider: 'anthropic', model: 'claude-nova-1' });
      call.complete({ tokens: { input: 2_000_000, output: 0 } });
      await ledger.flush();
      expect((await ledger.calls.get(call.id))?.cost?.total).toBe('2');
    } finally {
      await ledger.close();
    }

    // Unreachable source: the ledger starts and records with the data it has; the problem is reported.
    await server.close();
    const problems: Problem[] = [];
    const offline = createLedger({
      store: 'memory',
      configFile: config,
      logger: silentLogger,
      shutdownHooks: false,
      onError: (problem) => problems.push(problem),
    });
    try {
      await vi.waitFor(() => expect(problems.map((problem) => problem.subject)).toContain('pricing.update'));
      // It started from the data saved by the previous run.
      expect((offline.pricer as LedgerPricer).catalog?.label).toMatch(/^genai-prices@data\+sha\./);
    } finally {
      await offline.close();
      server = await startPriceDataServer('[]');
    }
  });
});
