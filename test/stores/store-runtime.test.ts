import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { StoreRuntime } from '../../src/stores/store-runtime.js';

const busy = Object.assign(new Error('database is locked'), { code: 'BUSY' });
const broken = Object.assign(new Error('constraint failed'), { code: 'CONSTRAINT' });

describe('StoreRuntime', () => {
  it('runs init once for concurrent callers, and again after a failure', async () => {
    let inits = 0;
    let failNext = true;
    const runtime = new StoreRuntime({
      name: 'test',
      isRetryable: () => true,
      initAction: 'Migrating the test schema',
      init: async () => {
        inits += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failNext) {
          failNext = false;
          throw busy;
        }
      },
    });
    const first = await Promise.allSettled([runtime.ready(), runtime.ready(), runtime.run('Reading', () => 1)]);
    expect(inits).toBe(1);
    for (const outcome of first) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as StoreError;
      expect(reason).toBeInstanceOf(StoreError);
      expect(reason.message).toBe('Migrating the test schema failed: database is locked (BUSY)');
      expect(reason.retryable).toBe(true);
    }
    expect(await runtime.run('Reading', () => 2)).toBe(2);
    expect(await runtime.run('Reading', () => 3)).toBe(3);
    expect(inits).toBe(2);
  });

  it("maps a driver failure through the backend's classification, and passes a StoreError through", async () => {
    const runtime = new StoreRuntime({ name: 'test', isRetryable: (error) => error === busy });
    const locked = await runtime.run('Writing 3 records', () => Promise.reject(busy)).catch((error: unknown) => error);
    expect(locked).toMatchObject({ message: 'Writing 3 records failed: database is locked (BUSY)', retryable: true });
    const bad = await runtime.run('Writing 3 records', () => Promise.reject(broken)).catch((error: unknown) => error);
    expect(bad).toMatchObject({ retryable: false, cause: broken });
    const typed = new StoreError('already typed', { retryable: true });
    expect(await runtime.run('Reading', () => Promise.reject(typed)).catch((error: unknown) => error)).toBe(typed);
  });

  it('close waits for an init in flight, releases once, and every later operation fails as not retryable', async () => {
    const events: string[] = [];
    const runtime = new StoreRuntime({
      name: 'test',
      isRetryable: () => true,
      init: async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        events.push('init done');
      },
      destroy: () => {
        events.push('destroyed');
      },
    });
    const starting = runtime.ready();
    await Promise.all([runtime.close(), runtime.close()]);
    await starting;
    expect(events).toEqual(['init done', 'destroyed']);
    await runtime.close();
    expect(events).toEqual(['init done', 'destroyed']);
    expect(() => runtime.assertOpen()).toThrow('The test store is closed');
    const error = await runtime.run('Reading', () => 1).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: 'The test store is closed', retryable: false });
  });

  it('a failure to release is reported to the first close as a StoreError', async () => {
    const runtime = new StoreRuntime({
      name: 'test',
      isRetryable: () => false,
      destroy: () => Promise.reject(broken),
    });
    await expect(runtime.close()).rejects.toThrow('Closing the test store failed: constraint failed (CONSTRAINT)');
    await expect(runtime.close()).resolves.toBeUndefined();
  });
});
