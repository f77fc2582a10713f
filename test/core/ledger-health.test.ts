import { describe, expect, it } from 'vitest';
import { createLedger, silentLogger, type CallRecord, type Store } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/memory.js';

class FlakyStore extends MemoryStore {
  failing = true;
  override async write(records: readonly CallRecord[]): Promise<void> {
    if (this.failing) throw new Error('connection refused');
    return super.write(records);
  }
}

describe('ledger.health()', () => {
  it('is healthy with a working store and a meter that answers its ping', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, meterPing: { ping: async () => 'PONG' } });
    const report = await ledger.health();
    expect(report.status).toBe('healthy');
    await ledger.close();
  });

  it('reports a meter whose ping fails as unhealthy', async () => {
    const ledger = createLedger({
      store: 'memory',
      configFile: false,
      meterPing: { ping: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6399')) },
    });
    const report = await ledger.health({ pingTimeoutMs: 200 });
    expect(report.status).toBe('unhealthy');
    expect(JSON.stringify(report.meter)).toContain('ECONNREFUSED');
    await ledger.close();
  });

  it('reports a failing store, and recovers once it accepts the pending records', async () => {
    const store = new FlakyStore();
    const ledger = createLedger({ store: store as Store, configFile: false, logger: silentLogger });
    ledger.start({ model: 'gpt-4o' }).complete({ tokens: { input: 1, output: 1 } });
    await ledger.flush();
    const failing = await ledger.health();
    expect(failing.status).not.toBe('healthy');
    expect(ledger.stats().storeError).toContain('connection refused');
    store.failing = false;
    await ledger.flush();
    expect(ledger.stats()).toMatchObject({ storeError: null, pending: 0, written: 1 });
    expect((await ledger.health()).status).toBe('healthy');
    await ledger.close();
  });
});

describe('createLedger({ monitor: true })', () => {
  it('exposes the performance monitor, fed by every call', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false, monitor: true, pricer: false });
    for (let index = 0; index < 3; index++)
      ledger.start({ model: 'gpt-4o', provider: 'openai' }).complete({ tokens: { input: 10, output: 5 } });
    await ledger.flush();
    const snapshot = ledger.monitor.snapshot();
    expect(JSON.stringify(snapshot)).toContain('gpt-4o');
    await ledger.close();
  });
});

describe('ledger.usage.summary()', () => {
  it('rejects an unknown group key with a ValidationError naming it', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false });
    await expect(ledger.usage.summary({ groupBy: ['planet' as never] })).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'groupBy',
    });
    await ledger.close();
  });

  it('rejects a malformed top with a ValidationError naming the field', async () => {
    const ledger = createLedger({ store: 'memory', configFile: false });
    const cases: Array<[unknown, string]> = [
      [{ groupBy: ['user'], top: { by: 'cost', limit: 0 } }, 'top.limit'],
      [{ groupBy: ['user'], top: { by: 'cost', limit: 1001 } }, 'top.limit'],
      [{ groupBy: ['user'], top: { by: 'cost', limit: 2.5 } }, 'top.limit'],
      [{ groupBy: ['user'], top: { by: 'cost', limit: '10' } }, 'top.limit'],
      [{ groupBy: ['user'], top: { by: 'latency', limit: 10 } }, 'top.by'],
      [{ groupBy: ['user'], top: { by: 'cost', limit: 10, offset: 5 } }, 'top.offset'],
      [{ groupBy: ['user'], top: 10 }, 'top'],
      [{ top: { by: 'cost', limit: 10 } }, 'top'],
      [{ groupBy: [], top: { by: 'cost', limit: 10 } }, 'top'],
    ];
    for (const [query, field] of cases) {
      await expect(ledger.usage.summary(query as never)).rejects.toMatchObject({ name: 'ValidationError', field });
    }
    const rows = await ledger.usage.summary({ groupBy: ['user'], top: { by: 'calls', limit: 3 } });
    expect(rows).toEqual([]);
    await ledger.close();
  });
});

describe('shutdown hooks', () => {
  it('are installed by createLedger and removed by close, also when the store fails to close', async () => {
    const before = process.listenerCount('SIGTERM');
    const store = new MemoryStore();
    store.close = () => Promise.reject(new Error('close failed'));
    const ledger = createLedger({ store: store as Store, configFile: false, logger: silentLogger });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    await expect(ledger.close()).rejects.toThrow('close failed');
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
