import { describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { ConfigError } from '../../src/core/errors.js';

const base = { configFile: false as const, env: {}, shutdownHooks: false, meter: false as const };

function creationError(options: unknown): unknown {
  try {
    const ledger = createLedger(options as never);
    void ledger.close();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('createLedger options: one contract, checked at the boundary', () => {
  it.each([
    ['createLedger(null)', null, '', 'an options object'],
    ['a string', 'memory', '', 'an options object'],
    ['clock: {}', { ...base, store: 'memory', clock: {} }, 'clock', 'now() and monotonic()'],
    ['spool: 123', { ...base, store: 'memory', spool: 123 }, 'spool', 'a spool directory path or false'],
    ['store: 123 (no longer opens the default database)', { ...base, store: 123 }, 'store', 'a Store instance'],
    ['store: {}', { ...base, store: {} }, 'store', 'a Store instance'],
    ['durability: fast', { ...base, store: 'memory', durability: 'fast' }, 'durability', '"batched" or "sync"'],
    ['handlers: one handler, not a list', { ...base, store: 'memory', handlers: { onEnd() {} } }, 'handlers', 'a list'],
    ['logger: console.log', { ...base, store: 'memory', logger: console.log }, 'logger', 'pino-compatible'],
    ['env: a string', { ...base, store: 'memory', env: 'FOO=1' }, 'env', 'environment variables'],
  ])('%s is a ConfigError naming the option and what it takes', (_label, options, path, expected) => {
    const error = creationError(options);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
    expect((error as ConfigError).message).toContain(expected);
  });

  it('an unknown option names the known ones and suggests the near miss or the camelCase name', () => {
    const typo = creationError({ ...base, store: 'memory', failopen: false }) as ConfigError;
    expect(typo).toBeInstanceOf(ConfigError);
    expect(typo.message).toMatch(/unknown option "failopen" \(did you mean "failOpen"\?\); known options: .*handlers/);
    const snake = creationError({ ...base, store: 'memory', fail_open: false }) as ConfigError;
    expect(snake.message).toContain('did you mean "failOpen"?');
    const batch = creationError({ ...base, store: 'memory', batch_size: 10 }) as ConfigError;
    expect(batch.message).toContain('did you mean "batchSize"?');
  });

  it.each(['valueOf', 'constructor', 'toString', '__proto__'])(
    'an option named like a member of Object.prototype (%s) is an unknown option, not a crash',
    (key) => {
      const error = creationError({ ...base, store: 'memory', [key]: {} }) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.path).toBe(key);
      expect(error.message).toContain(`unknown option "${key}"`);
    },
  );

  it('valid options still create a working ledger', async () => {
    const ledger = createLedger({ ...base, store: 'memory', spool: false, handlers: [{}], durability: 'batched' });
    ledger.start({ model: 'm' }).complete();
    expect((await ledger.calls.list()).records).toHaveLength(1);
    await ledger.close();
  });
});

describe('createLedger({ env: process.env })', () => {
  it('accepts the real process.env (not a plain object)', async () => {
    const ledger = createLedger({ ...base, env: process.env, store: 'memory' });
    await ledger.close();
  });
});
