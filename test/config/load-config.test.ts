import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envBoolean, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { ConfigError, isLedgerError } from '../../src/core/errors.js';
import { DEFAULT_SETTINGS } from '../../src/core/ledger.js';
import { createLedger, resolveLedgerConfig, type CreateLedgerOptions } from '../../src/create-ledger.js';
import { MemoryStore } from '../../src/stores/memory.js';

const root = mkdtempSync(join(tmpdir(), 'llm-ledger-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** Writes `text` as llm_config.yaml in a fresh directory and returns the directory and file path. */
function configDir(text: string, name = 'llm_config.yaml'): { dir: string; file: string } {
  counter += 1;
  const dir = join(root, `case-${counter}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(isLedgerError(error)).toBe(true);
    expect((error as ConfigError).code).toBe('CONFIG_ERROR');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Seed 000's two examples, verbatim, in one file. */
const SEED_000 = `models:
  openai/gpt-4o-mini:
    provider: 'openai'
    pricing:
      currency: USD
      input:
        cost_per_1k: 0.00015  # $0.15 per 1M tokens
      output:
        cost_per_1k: 0.0006   # $0.60 per 1M tokens

settings:
  usage_logging:
    enabled: true              # Enable/disable usage logging
    base_currency: USD         # Base currency for costs
    fail_open: true            # Continue on logging errors
    default_rounding_decimals: 6  # Decimal places for cost rounding
`;

const resolve = (options: CreateLedgerOptions) => resolveLedgerConfig({ env: {}, ...options });

describe('llm_config.yaml in seed 000 format', () => {
  it('loads the models and settings exactly', () => {
    const { file } = configDir(SEED_000);
    const loaded = loadConfigFile(file, {});
    expect(loaded.path).toBe(file);
    expect(loaded.file).toEqual({
      models: {
        'openai/gpt-4o-mini': {
          provider: 'openai',
          pricing: { currency: 'USD', input: { cost_per_1k: 0.00015 }, output: { cost_per_1k: 0.0006 } },
        },
      },
      settings: {
        usage_logging: { enabled: true, base_currency: 'USD', fail_open: true, default_rounding_decimals: 6 },
      },
    });
  });

  it('maps usage_logging onto the ledger settings', () => {
    const { file } = configDir(`settings:
  usage_logging:
    enabled: false
    base_currency: EUR
    fail_open: false
    default_rounding_decimals: 4
  ledger:
    store: memory
    max_field_chars: 5000
    handler_timeout_ms: 100
    batch_size: 50
    flush_interval_ms: 20
`);
    const resolved = resolve({ configFile: file });
    expect(resolved.settings).toMatchObject({
      enabled: false,
      baseCurrency: 'EUR',
      failOpen: false,
      roundingDecimals: 4,
      maxFieldChars: 5000,
      handlerTimeoutMs: 100,
      batchSize: 50,
      flushIntervalMs: 20,
    });
    expect(resolved.storeLocation).toBe('memory');
    expect(resolved.config.path).toBe(file);
  });

  it('reads ./llm_config.yaml from cwd when present, and nothing when absent', () => {
    const { dir } = configDir(SEED_000.replace('fail_open: true', 'fail_open: false'));
    expect(resolve({ cwd: dir }).settings.failOpen).toBe(false);
    const empty = join(root, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    const resolved = resolve({ cwd: empty });
    expect(resolved.config).toEqual({ path: null, file: {} });
    expect(resolved.settings).toEqual(DEFAULT_SETTINGS);
  });

  it('reads the file named by LLM_LEDGER_CONFIG; configFile: false reads none', () => {
    const { file } = configDir('settings:\n  usage_logging:\n    base_currency: GBP\n', 'custom.yaml');
    expect(resolveLedgerConfig({ env: { LLM_LEDGER_CONFIG: file } }).settings.baseCurrency).toBe('GBP');
    expect(resolveLedgerConfig({ env: { LLM_LEDGER_CONFIG: file }, configFile: false }).settings.baseCurrency).toBe(
      'USD',
    );
  });

  it('an empty file or a file of comments is an empty config', () => {
    expect(parseConfigText('', 'x.yaml')).toEqual({});
    expect(parseConfigText('# nothing here\n', 'x.yaml')).toEqual({});
  });

  it('accepts prices as decimal strings and per 1M', () => {
    expect(
      parseConfigText(
        'models:\n  m:\n    pricing:\n      input: { cost_per_1m: "0.15" }\n      cache_read: { cost_per_1k: 0 }\n',
        'x.yaml',
      ).models?.m?.pricing,
    ).toEqual({ currency: 'USD', input: { cost_per_1m: '0.15' }, cache_read: { cost_per_1k: 0 } });
  });
});

describe('ConfigError for a bad file names the file, the key path and what is expected', () => {
  it.each([
    [
      'a bad type',
      'settings:\n  usage_logging:\n    fail_open: "yes"\n',
      'settings.usage_logging.fail_open',
      'true or false',
      /received the string "yes"/,
    ],
    [
      'an unknown key',
      'settings:\n  usage_logging:\n    fail_opne: true\n',
      'settings.usage_logging.fail_opne',
      /no unknown key \(found "fail_opne"\); known keys here: enabled, base_currency, fail_open/,
      /fail_opne/,
    ],
    [
      'an unknown top-level key',
      'model:\n  x: 1\n',
      'model',
      /known keys here: models, pricing, limits, proxy, settings|known keys here: models, settings/,
      /model/,
    ],
    [
      'an unknown key inside a model entry',
      'models:\n  gpt-4o:\n    pricing:\n      inputs: { cost_per_1k: 1 }\n',
      'models.gpt-4o.pricing.inputs',
      /known keys here: currency, input, output/,
      /inputs/,
    ],
    [
      'a negative price',
      'models:\n  m:\n    pricing:\n      input: { cost_per_1k: -1 }\n',
      'models.m.pricing.input.cost_per_1k',
      /a number >= 0/,
      /received number -1/,
    ],
    [
      'a price of the wrong type',
      'models:\n  m:\n    pricing:\n      input: { cost_per_1k: true }\n',
      'models.m.pricing.input.cost_per_1k',
      'a number or a string',
      /received boolean true/,
    ],
    [
      'a lowercase currency',
      'settings:\n  usage_logging:\n    base_currency: usd\n',
      'settings.usage_logging.base_currency',
      'a three-letter ISO currency code such as USD',
      /"usd"/,
    ],
    [
      'fractional rounding decimals',
      'settings:\n  usage_logging:\n    default_rounding_decimals: 2.5\n',
      'settings.usage_logging.default_rounding_decimals',
      'an integer',
      /2\.5/,
    ],
    ['a list instead of a mapping', 'settings:\n  - a\n', 'settings', 'a mapping (key: value)', /received a list/],
    [
      'a zero batch size',
      'settings:\n  ledger:\n    batch_size: 0\n',
      'settings.ledger.batch_size',
      'a number > 0',
      /0/,
    ],
  ])('%s', (_label, text, path, expected, message) => {
    const { file } = configDir(text);
    const error = configErrorOf(() => resolve({ configFile: file }));
    expect(error.source).toBe(file);
    expect(error.path).toBe(path);
    if (typeof expected === 'string') expect(error.expected).toBe(expected);
    else expect(error.expected).toMatch(expected);
    expect(error.message).toContain(file);
    expect(error.message).toContain(`"${path}"`);
    expect(error.message).toMatch(message);
    expect(error.cause).toBeDefined();
  });

  it('invalid YAML names the file and the line', () => {
    const { file } = configDir('settings:\n  usage_logging:\n    enabled: true\n    enabled: false\n');
    const error = configErrorOf(() => resolve({ configFile: file }));
    expect(error.source).toBe(file);
    expect(error.expected).toBe('valid YAML (line 4)');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/unique/);
    const broken = configDir('settings: [\n');
    expect(configErrorOf(() => resolve({ configFile: broken.file })).expected).toMatch(/^valid YAML \(line \d+\)$/);
    const tabs = configDir('settings:\n\tusage_logging: {}\n');
    expect(configErrorOf(() => resolve({ configFile: tabs.file })).source).toBe(tabs.file);
  });

  it('a YAML document that is not a mapping is rejected at the root', () => {
    const { file } = configDir('- just\n- a list\n');
    const error = configErrorOf(() => resolve({ configFile: file }));
    expect(error.path).toBe('');
    expect(error.message).toContain('(root)');
  });

  it('an explicit configFile that does not exist is a ConfigError', () => {
    const missing = join(root, 'nope', 'llm_config.yaml');
    const error = configErrorOf(() => resolve({ configFile: missing }));
    expect(error.source).toBe(missing);
    expect(error.expected).toBe('an existing YAML file');
    const viaEnv = configErrorOf(() => resolveLedgerConfig({ env: { LLM_LEDGER_CONFIG: missing } }));
    expect(viaEnv.source).toBe(missing);
  });

  it('a relative configFile is resolved against cwd', () => {
    const { dir } = configDir('settings:\n  usage_logging:\n    base_currency: JPY\n', 'conf.yaml');
    expect(resolve({ cwd: dir, configFile: 'conf.yaml' }).settings.baseCurrency).toBe('JPY');
  });

  it('a config path that is a directory is a ConfigError, not a crash', () => {
    const error = configErrorOf(() => resolve({ configFile: root }));
    expect(error.source).toBe(root);
    expect(error.expected).toBe('a readable YAML file');
  });

  it('createLedger throws the ConfigError before creating anything', () => {
    const { file } = configDir('settings:\n  usage_logging:\n    enabled: 1\n');
    expect(() => createLedger({ configFile: file, env: {}, store: new MemoryStore() })).toThrow(ConfigError);
  });
});

describe('environment variables', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' 1 ', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['No', false],
    ['off', false],
  ])('LLM_USAGE_LOGGING_ENABLED=%j is %s', (value, expected) => {
    expect(resolve({ env: { LLM_USAGE_LOGGING_ENABLED: value } }).settings.enabled).toBe(expected);
  });

  it('an empty variable counts as unset', () => {
    expect(resolve({ env: { LLM_USAGE_FAIL_OPEN: '  ' } }).settings.failOpen).toBe(true);
    expect(resolve({ env: { LLM_LEDGER_DB: '' } }).storeLocation).toBe('.llm-ledger/ledger.db');
  });

  it.each(['LLM_USAGE_LOGGING_ENABLED', 'LLM_USAGE_FAIL_OPEN'])(
    'a bad %s is a ConfigError naming the variable',
    (name) => {
      const error = configErrorOf(() => resolve({ env: { [name]: 'perhaps' } }));
      expect(error.source).toBe('environment');
      expect(error.path).toBe(name);
      expect(error.expected).toBe('true or false');
      expect(error.message).toContain(name);
      expect(error.message).toContain('"perhaps"');
    },
  );

  it('envBoolean returns undefined when the variable is not set', () => {
    expect(envBoolean({}, 'X')).toBeUndefined();
  });

  it('LLM_LEDGER_DB chooses the store location', () => {
    expect(resolve({ env: { LLM_LEDGER_DB: '/tmp/ledger-env.db' } }).storeLocation).toBe('/tmp/ledger-env.db');
    expect(resolve({}).storeLocation).toBe('.llm-ledger/ledger.db');
  });

  it('LLM_LEDGER_DB=memory opens a memory store', async () => {
    const ledger = createLedger({ configFile: false, env: { LLM_LEDGER_DB: 'memory' } });
    expect(ledger.store.kind).toBe('memory');
    await ledger.close();
  });
});

describe('precedence: defaults < file < environment < options', () => {
  const file = () =>
    configDir(`settings:
  usage_logging:
    enabled: false
    fail_open: false
    base_currency: EUR
  ledger:
    store: from-file.db
    batch_size: 7
`).file;

  it('the file overrides defaults', () => {
    expect(resolve({ configFile: file() }).settings).toMatchObject({
      enabled: false,
      failOpen: false,
      baseCurrency: 'EUR',
      batchSize: 7,
      flushIntervalMs: DEFAULT_SETTINGS.flushIntervalMs,
    });
    expect(resolve({ configFile: file() }).storeLocation).toBe('from-file.db');
  });

  it('the environment overrides the file', () => {
    const resolved = resolve({
      configFile: file(),
      env: { LLM_USAGE_LOGGING_ENABLED: 'true', LLM_USAGE_FAIL_OPEN: 'true', LLM_LEDGER_DB: 'from-env.db' },
    });
    expect(resolved.settings).toMatchObject({ enabled: true, failOpen: true, baseCurrency: 'EUR' });
    expect(resolved.storeLocation).toBe('from-env.db');
  });

  it('options override the environment and the file', () => {
    const resolved = resolve({
      configFile: file(),
      env: { LLM_USAGE_LOGGING_ENABLED: 'true', LLM_USAGE_FAIL_OPEN: 'true', LLM_LEDGER_DB: 'from-env.db' },
      enabled: false,
      failOpen: false,
      baseCurrency: 'CHF',
      batchSize: 3,
      store: 'from-options.db',
    });
    expect(resolved.settings).toMatchObject({ enabled: false, failOpen: false, baseCurrency: 'CHF', batchSize: 3 });
    expect(resolved.storeLocation).toBe('from-options.db');
  });

  it('an option left undefined does not override', () => {
    expect(resolve({ configFile: file(), failOpen: undefined }).settings.failOpen).toBe(false);
  });

  it('the settings the ledger gets are frozen', () => {
    const ledger = createLedger({ configFile: false, env: {}, store: new MemoryStore() });
    expect(Object.isFrozen(ledger.settings)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SETTINGS)).toBe(true);
  });
});

describe('invalid options', () => {
  it.each<[string, CreateLedgerOptions, string]>([
    ['batchSize 0', { batchSize: 0 }, 'batchSize'],
    ['maxFieldChars -1', { maxFieldChars: -1 }, 'maxFieldChars'],
    ['handlerTimeoutMs 1.5', { handlerTimeoutMs: 1.5 }, 'handlerTimeoutMs'],
    ['flushIntervalMs NaN', { flushIntervalMs: Number.NaN }, 'flushIntervalMs'],
    ['highWaterMark "x"', { highWaterMark: 'x' as unknown as number }, 'highWaterMark'],
    ['enabled "yes"', { enabled: 'yes' as unknown as boolean }, 'enabled'],
    ['failOpen 1', { failOpen: 1 as unknown as boolean }, 'failOpen'],
    ['baseCurrency "usd"', { baseCurrency: 'usd' }, 'baseCurrency'],
    ['roundingDecimals -1', { roundingDecimals: -1 }, 'roundingDecimals'],
    ['roundingDecimals 2.5', { roundingDecimals: 2.5 }, 'roundingDecimals'],
    ['an unknown option', { failopen: false } as unknown as CreateLedgerOptions, 'failopen'],
  ])('%s is a ConfigError naming the option', (_label, options, path) => {
    const error = configErrorOf(() => resolve(options));
    expect(error.source).toBe('options');
    expect(error.path).toBe(path);
  });

  it('a store URL for a backend that is not available is a ConfigError that hides the password', () => {
    const error = configErrorOf(() =>
      createLedger({ configFile: false, env: {}, store: 'mysql://user:secret@db.example/ledger' }),
    );
    expect(error.message).not.toContain('secret');
    expect(error.message).toContain('***');
  });
});
