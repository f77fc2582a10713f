import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { ENV_VARIABLES, readEnv, type EnvVariable } from '../../src/config/env-vars.js';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError } from '../../src/core/errors.js';
import { meterLocationFromEnv } from '../../src/meters/redis/open-redis.js';
import { fuzzParameters } from './fuzz-settings.js';

/**
 * createLedger options, environment variables and CLI arguments: arbitrary values are accepted
 * or rejected with a typed error (ConfigError, a usage error with exit code 2), never a crash.
 */

const OPTION_KEYS = [
  'enabled',
  'failOpen',
  'maxFieldChars',
  'handlerTimeoutMs',
  'batchSize',
  'flushIntervalMs',
  'highWaterMark',
  'baseCurrency',
  'roundingDecimals',
  'store',
  'configFile',
  'env',
  'cwd',
  'handlers',
  'logger',
  'onError',
  'pricer',
  'clock',
  'monitor',
  'meter',
  'meterPing',
  'spool',
  'durability',
  'shutdownHooks',
];
/** Keys whose string values name files or directories: fuzzed with non-string values only. */
const PATH_KEYS = new Set(['store', 'configFile', 'cwd', 'meter', 'spool']);

const anyValue = fc.anything({ withDate: true, withMap: true, withNullPrototype: true });
const optionEntry = fc.oneof(
  fc
    .constantFrom(...OPTION_KEYS)
    .chain((key) =>
      fc.tuple(fc.constant(key), PATH_KEYS.has(key) ? anyValue.filter((value) => typeof value !== 'string') : anyValue),
    ),
  fc.tuple(
    fc.string({ maxLength: 12 }).filter((key) => !OPTION_KEYS.includes(key) && key !== '__proto__'),
    anyValue,
  ),
);

describe('fuzz: createLedger options', () => {
  it('arbitrary option values create a ledger or throw ConfigError, and unknown keys always throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(optionEntry, { maxLength: 4 }), async (entries) => {
        const options = {
          store: 'memory',
          configFile: false,
          env: {},
          meter: false,
          shutdownHooks: false,
          ...Object.fromEntries(entries),
        };
        let created: ReturnType<typeof createLedger> | undefined;
        try {
          created = createLedger(options as never);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(ConfigError);
          return;
        }
        await created.close().catch(() => undefined);
        const unknown = entries.filter(([key, value]) => !OPTION_KEYS.includes(key) && value !== undefined);
        expect(unknown).toEqual([]);
      }),
      fuzzParameters(),
    );
  });

  it('anything but an options object is a ConfigError', () => {
    // Plain objects are left out: `{}` would open the default database in the working directory.
    const notAnObject = anyValue.filter(
      (value) => value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)),
    );
    fc.assert(
      fc.property(notAnObject, (value) => {
        expect(() => createLedger(value as never)).toThrow(ConfigError);
      }),
      fuzzParameters(),
    );
  });
});

describe('fuzz: environment variables', () => {
  const names = Object.keys(ENV_VARIABLES) as EnvVariable[];
  it('every variable: any string is read or rejected with a ConfigError naming it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.string({ maxLength: 40 }), (name, value) => {
        try {
          readEnv({ [name]: value }, name);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).path).toBe(name);
        }
      }),
      fuzzParameters(),
    );
  });

  it('the meter location from any mix of LLM_LEDGER_METER and REDIS_* is a string, undefined or a ConfigError', () => {
    const redisEnv = fc.record(
      {
        LLM_LEDGER_METER: fc.oneof(
          fc.string(),
          fc.constantFrom('redis://x:notaport', 'redis://h:6379/1', 'memory', 'rediss://:p@h/x'),
        ),
        REDIS_HOST: fc.oneof(fc.string(), fc.constantFrom('127.0.0.1', 'cache', '::1')),
        REDIS_PORT: fc.oneof(fc.string(), fc.integer().map(String)),
        REDIS_DB: fc.oneof(fc.string(), fc.integer().map(String)),
        REDIS_PASSWORD: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(redisEnv, (env) => {
        try {
          const location = meterLocationFromEnv(env);
          if (location !== undefined) expect(typeof location).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      fuzzParameters(),
    );
  });
});

const FLAGS = [
  '--user',
  '--session',
  '--tenant',
  '--trace',
  '--model',
  '--provider',
  '--status',
  '--call-type',
  '--tag',
  '--since',
  '--until',
  '--limit',
  '--cursor',
  '--asc',
  '--json',
  '--by',
  '--users',
  '--start-date',
  '-x',
  '--',
];

describe('fuzz: CLI arguments', () => {
  it('calls and report: any arguments give exit 0, 1 (a ledger error) or 2 (a usage error), never a crash', async () => {
    const argument = fc.oneof(
      fc.constantFrom(...FLAGS),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('7d', '2026-11-01', 'error', 'ERROR', 'model,day', '0', '-1', '1.5', ''),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('calls', 'report'), fc.array(argument, { maxLength: 6 }), async (name, args) => {
        let stderr = '';
        const code = await runCli([name, ...args, '--db', 'memory'], {
          stdout: () => undefined,
          stderr: (text) => (stderr += text),
          env: {},
          cwd: process.cwd(),
        }).catch((error: unknown) => {
          throw new Error(`untyped failure for ${JSON.stringify(args)}: ${String(error)}`);
        });
        expect([0, 1, 2]).toContain(code);
        if (code !== 0) expect(stderr).toMatch(new RegExp(`^llm-ledger ${name}: `));
      }),
      fuzzParameters(Math.max(10, Math.floor(fuzzParameters().numRuns / 2))),
    );
  });
});
