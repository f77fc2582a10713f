import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { readEnv } from '../../src/config/env-vars.js';
import { ConfigError } from '../../src/core/errors.js';
import { meterLocationFromEnv } from '../../src/meters/redis/open-redis.js';
import { createMeter } from '../../src/meters/create-meter.js';
import { LLMLogger } from '../../src/observe/logging/llm-logger.js';
import { timeHandler } from '../../src/observe/timing/timed-handler.js';
import { freePort } from '../meters/support/own-redis-server.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('environment variables are validated, never silently defaulted', () => {
  it.each([
    ['LOG_LEVEL', 'verbose', () => new LLMLogger({ env: { LOG_LEVEL: 'verbose' } })],
    ['LOG_FORMAT', 'yaml', () => new LLMLogger({ env: { LOG_FORMAT: 'yaml' } })],
    [
      'PERFORMANCE_LOG_THRESHOLD',
      'fast',
      () => timeHandler({ onEnd() {} }, { env: { PERFORMANCE_LOG_THRESHOLD: 'fast' } }),
    ],
    [
      'ENABLE_PERFORMANCE_MONITORING',
      'nope',
      () => timeHandler({ onEnd() {} }, { env: { ENABLE_PERFORMANCE_MONITORING: 'nope' } }),
    ],
    ['REDIS_DB', 'two', () => meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_DB: 'two' })],
    ['REDIS_PORT', '70000', () => meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_PORT: '70000' })],
    ['LLM_LEDGER_METER', 'redis://x:notaport', () => meterLocationFromEnv({ LLM_LEDGER_METER: 'redis://x:notaport' })],
    ['LLM_LEDGER_METER', 'redis://h/zero', () => meterLocationFromEnv({ LLM_LEDGER_METER: 'redis://h/zero' })],
    ['CALLBACK_RETRY_ATTEMPTS', '-1', () => readEnv({ CALLBACK_RETRY_ATTEMPTS: '-1' }, 'CALLBACK_RETRY_ATTEMPTS')],
    ['CALLBACK_RETRY_DELAY', 'soon', () => readEnv({ CALLBACK_RETRY_DELAY: 'soon' }, 'CALLBACK_RETRY_DELAY')],
  ])('%s=%s is a ConfigError naming the variable', (name, value, run) => {
    const error = configError(run);
    expect(error.source).toBe('environment');
    expect(error.path).toBe(name);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('valid values are read: levels case-insensitively, warning as warn, thresholds in ms', () => {
    expect(new LLMLogger({ env: { LOG_LEVEL: 'WARNING', LOG_FORMAT: 'Pretty' } }).format).toBe('pretty');
    expect(readEnv({ LOG_LEVEL: 'Warning' }, 'LOG_LEVEL')).toBe('warn');
    expect(readEnv({ PERFORMANCE_LOG_THRESHOLD: '250' }, 'PERFORMANCE_LOG_THRESHOLD')).toBe(250);
    expect(readEnv({ CALLBACK_RETRY_ATTEMPTS: ' ' }, 'CALLBACK_RETRY_ATTEMPTS')).toBeUndefined();
    expect(meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_PORT: '6380', REDIS_DB: '2' })).toBe(
      'redis://cache:6380/2',
    );
  });

  it('LLM_LEDGER_METER=redis://x:notaport through createLedger is a ConfigError, not TypeError "Invalid URL"', () => {
    const error = configError(() =>
      createLedger({
        store: 'memory',
        configFile: false,
        shutdownHooks: false,
        env: { LLM_LEDGER_METER: 'redis://x:notaport' },
      }),
    );
    expect(error.message).not.toContain('notaport@');
    const option = configError(() => createMeter({ backend: 'redis://x:notaport' }));
    expect(option.path).toBe('meter');
  });

  it('REDIS_PORT, REDIS_DB or REDIS_PASSWORD without REDIS_HOST is a ConfigError instead of being ignored', () => {
    for (const name of ['REDIS_PORT', 'REDIS_DB', 'REDIS_PASSWORD']) {
      const error = configError(() => meterLocationFromEnv({ [name]: name === 'REDIS_PASSWORD' ? 's3cret' : '1' }));
      expect(error.path).toBe(name);
      expect(error.message).toContain('REDIS_HOST');
      expect(error.message).not.toContain('s3cret');
    }
  });
});

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!REDIS_SERVER)('REDIS_* reach Redis as configured', () => {
  let server: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    server = spawn(
      REDIS_SERVER!,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        'right-password',
      ],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 100 && !(await listening(port)); attempt++)
      await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    if (!server) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });

  const ledgerWith = (env: Record<string, string>) =>
    createLedger({
      store: 'memory',
      configFile: false,
      shutdownHooks: false,
      env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), ...env },
    });

  it('a wrong REDIS_PASSWORD is reported as an authentication error, not as a timeout', async () => {
    const ledger = ledgerWith({ REDIS_PASSWORD: 'wrong-password' });
    const report = await ledger.health();
    expect(report.meter.status).toBe('unhealthy');
    expect(report.meter).toMatchObject({ error: expect.stringMatching(/refused authentication.*REDIS_PASSWORD/) });
    expect(JSON.stringify(report)).not.toContain('wrong-password');
    await ledger.close();
  });

  it('REDIS_DB=99 (no such database) is reported as such instead of writing to db 0 and reporting healthy', async () => {
    const ledger = ledgerWith({ REDIS_PASSWORD: 'right-password', REDIS_DB: '99' });
    const report = await ledger.health();
    expect(report.meter.status).toBe('unhealthy');
    expect(report.meter).toMatchObject({ error: expect.stringMatching(/no such database.*REDIS_DB/) });
    await ledger.close();
  });

  it('the right password and an existing REDIS_DB are healthy, and counters land in that database', async () => {
    const ledger = ledgerWith({ REDIS_PASSWORD: 'right-password', REDIS_DB: '3' });
    expect((await ledger.health()).meter.status).toBe('healthy');
    await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', userId: 'u-db3' }, async (call) => {
      call.complete({ tokens: { input: 10, output: 5 } });
    });
    await ledger.flush();
    const { Redis } = await import('ioredis');
    const inspect = new Redis({ port, password: 'right-password', db: 3, lazyConnect: true });
    await inspect.connect();
    expect((await inspect.keys('*')).length).toBeGreaterThan(0);
    await inspect.select(0);
    expect(await inspect.keys('*')).toEqual([]);
    inspect.disconnect();
    await ledger.close();
  });
});
