import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createMeter, openMeterBackend } from '../../src/meters/create-meter.js';
import { MemoryMeterBackend } from '../../src/meters/memory/memory-meter.js';
import { meterLocationFromEnv } from '../../src/meters/redis/open-redis.js';

describe('choosing a meter backend', () => {
  it("reads LLM_LEDGER_METER, then seed 002's REDIS_* variables", () => {
    expect(meterLocationFromEnv({})).toBeUndefined();
    expect(meterLocationFromEnv({ REDIS_HOST: 'cache' })).toBe('redis://cache:6379/0');
    expect(
      meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_PORT: '6380', REDIS_PASSWORD: 'p@ss word', REDIS_DB: '2' }),
    ).toBe('redis://:p%40ss%20word@cache:6380/2');
    expect(meterLocationFromEnv({ LLM_LEDGER_METER: 'sqlite:/tmp/x.db', REDIS_HOST: 'cache' })).toBe(
      'sqlite:/tmp/x.db',
    );
    expect(() => meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_PORT: 'six' })).toThrow(ConfigError);
    expect(() => meterLocationFromEnv({ REDIS_HOST: 'cache', REDIS_DB: '-1' })).toThrow(/REDIS_DB/);
  });

  it('opens memory, SQLite and given backends, and refuses unknown schemes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-meter-open-'));
    try {
      expect(openMeterBackend('memory').kind).toBe('memory');
      const sqlite = openMeterBackend('sqlite:nested/meter.db', { cwd: dir });
      expect(sqlite.kind).toBe('sqlite');
      await sqlite.close();
      const given = new MemoryMeterBackend();
      expect(openMeterBackend(given)).toBe(given);
      expect(() => openMeterBackend('postgres://db/x')).toThrow(ConfigError);
      const meter = createMeter({ env: {} });
      expect(meter.kind).toBe('memory');
      await meter.close();
      expect(() => createMeter({ backend: 'memory', cycleStartDate: '2024-02-31' })).toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
