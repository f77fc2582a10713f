import { afterEach, describe, expect, it } from 'vitest';
import { mergeContext } from '../../src/core/context.js';
import type { CallRecord } from '../../src/core/record.js';
import { sleep, testLedger, type TestLedger } from './support.js';

let current: TestLedger | undefined;
function setup(): TestLedger {
  current = testLedger();
  return current;
}
afterEach(async () => {
  await current?.ledger.close();
  current = undefined;
});

describe('ledger.context()', () => {
  it('gives calls started inside its attribution', async () => {
    const { ledger } = setup();
    const record = await ledger.context(
      { traceId: 'trace-1', sessionId: 's-1', userId: 'u-1', tenantId: 'acme', requestId: 'req-1' },
      async () => {
        await sleep(1);
        return ledger.start({ model: 'm' }).complete();
      },
    );
    expect(record).toMatchObject({
      traceId: 'trace-1',
      sessionId: 's-1',
      userId: 'u-1',
      tenantId: 'acme',
      requestId: 'req-1',
      parentId: null,
    });
  });

  it('lets the call override what it inherits', () => {
    const { ledger } = setup();
    const record = ledger.context({ userId: 'u-1', traceId: 't-1' }, () =>
      ledger.start({ model: 'm', userId: 'u-2', traceId: 't-2' }).complete(),
    );
    expect(record).toMatchObject({ userId: 'u-2', traceId: 't-2' });
  });

  it('returns the value of fn, sync or async', async () => {
    const { ledger } = setup();
    expect(ledger.context({}, () => 7)).toBe(7);
    expect(await ledger.context({}, async () => 8)).toBe(8);
  });

  it('merges tags (deduplicated) and metadata from nested contexts and the call', () => {
    const { ledger } = setup();
    const record = ledger.context({ tags: ['api', 'rag'], metadata: { region: 'eu', plan: 'free' } }, () =>
      ledger.context({ tags: ['rag', 'beta'], metadata: { plan: 'pro' } }, () =>
        ledger.start({ model: 'm', tags: ['hidden', 'api'], metadata: { reviewCount: 3 } }).complete(),
      ),
    );
    expect(record.tags).toEqual(['api', 'rag', 'beta', 'hidden']);
    expect(record.metadata).toEqual({ region: 'eu', plan: 'pro', reviewCount: 3 });
  });

  it('keeps outer values that an inner context leaves undefined', () => {
    const { ledger } = setup();
    const record = ledger.context({ userId: 'u-1', sessionId: 's-1' }, () =>
      ledger.context({ userId: undefined, tenantId: 'acme' }, () => ledger.start({ model: 'm' }).complete()),
    );
    expect(record).toMatchObject({ userId: 'u-1', sessionId: 's-1', tenantId: 'acme' });
  });

  it('does not leak outside its callback', async () => {
    const { ledger } = setup();
    await ledger.context({ userId: 'inside' }, async () => {
      await sleep(1);
    });
    expect(ledger.start({ model: 'm' }).complete().userId).toBeNull();
  });

  it('complete() metadata is merged over the inherited metadata', () => {
    const { ledger } = setup();
    const record = ledger.context({ metadata: { a: 1, b: 1 } }, () =>
      ledger.start({ model: 'm', metadata: { b: 2 } }).complete({ metadata: { c: 3 } }),
    );
    expect(record.metadata).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('a new traceId in a nested context starts a new tree: no parent from another trace', async () => {
    const { ledger } = setup();
    let child: CallRecord | undefined;
    await ledger.logCall({ model: 'parent' }, async () => {
      child = ledger.context({ traceId: 'separate-trace' }, () => ledger.start({ model: 'c' }).complete());
    });
    expect(child).toMatchObject({ traceId: 'separate-trace', parentId: null });
  });
});

describe('logCall nesting', () => {
  it('children get parentId = parent id and the same traceId', async () => {
    const { ledger } = setup();
    let parentId = '';
    let child: CallRecord | undefined;
    await ledger.logCall({ model: 'parent' }, async (parent) => {
      parentId = parent.id;
      await sleep(1);
      child = ledger.start({ model: 'child' }).complete();
    });
    const parent = await ledger.calls.get(parentId);
    expect(parent?.parentId).toBeNull();
    expect(parent?.traceId).toBe(parentId);
    expect(child).toMatchObject({ parentId, traceId: parentId });
  });

  it('children inherit session, user and tenant given to the parent call', async () => {
    const { ledger } = setup();
    let child: CallRecord | undefined;
    await ledger.logCall(
      { model: 'parent', sessionId: 's-1', userId: 'u-1', tenantId: 'acme', requestId: 'req-parent', tags: ['p'] },
      async () => {
        child = ledger.start({ model: 'child' }).complete();
      },
    );
    expect(child).toMatchObject({ sessionId: 's-1', userId: 'u-1', tenantId: 'acme' });
    // a request id and tags describe the parent call itself
    expect(child?.requestId).toBeNull();
    expect(child?.tags).toEqual([]);
  });

  it('siblings share the parent and trace', async () => {
    const { ledger } = setup();
    let parentId = '';
    await ledger.logCall({ model: 'parent' }, async (parent) => {
      parentId = parent.id;
      await ledger.logCall({ model: 'a' }, async () => sleep(1));
      await ledger.logCall({ model: 'b' }, async () => sleep(1));
      await Promise.all([ledger.logCall({ model: 'c' }, async () => 1), ledger.logCall({ model: 'd' }, async () => 2)]);
    });
    const trace = await ledger.calls.byTrace(parentId);
    expect(trace).toHaveLength(5);
    for (const record of trace.filter((record) => record.id !== parentId)) {
      expect(record.parentId).toBe(parentId);
      expect(record.traceId).toBe(parentId);
    }
  });

  it('deep nesting links each level to the one above', async () => {
    const { ledger } = setup();
    const ids: string[] = [];
    const depth = 12;
    const nest = async (level: number): Promise<void> => {
      if (level === depth) return;
      await ledger.logCall({ model: `level-${level}` }, async (call) => {
        ids.push(call.id);
        await sleep(0);
        await nest(level + 1);
      });
    };
    await ledger.context({ traceId: 'deep', userId: 'u-deep' }, () => nest(0));
    const trace = await ledger.calls.byTrace('deep');
    expect(trace).toHaveLength(depth);
    const byId = new Map(trace.map((record) => [record.id, record]));
    expect(byId.get(ids[0]!)?.parentId).toBeNull();
    for (let level = 1; level < depth; level++) {
      expect(byId.get(ids[level]!)?.parentId).toBe(ids[level - 1]);
      expect(byId.get(ids[level]!)?.userId).toBe('u-deep');
    }
  });

  it('calls inside ledger.context inside logCall keep the parent link and add attribution', async () => {
    const { ledger } = setup();
    let parentId = '';
    let child: CallRecord | undefined;
    await ledger.logCall({ model: 'parent' }, async (parent) => {
      parentId = parent.id;
      child = await ledger.context({ userId: 'u-7' }, async () => ledger.start({ model: 'c' }).complete());
    });
    expect(child).toMatchObject({ parentId, traceId: parentId, userId: 'u-7' });
  });

  it('a logCall inside a context uses the context trace, and its children too', async () => {
    const { ledger } = setup();
    let parentId = '';
    let child: CallRecord | undefined;
    await ledger.context({ traceId: 'req-trace', userId: 'u-1' }, () =>
      ledger.logCall({ model: 'parent' }, async (parent) => {
        parentId = parent.id;
        child = ledger.start({ model: 'c' }).complete();
      }),
    );
    const parent = await ledger.calls.get(parentId);
    expect(parent).toMatchObject({ traceId: 'req-trace', userId: 'u-1', parentId: null });
    expect(child).toMatchObject({ traceId: 'req-trace', userId: 'u-1', parentId });
  });

  it('a call started after logCall returns is not a child', async () => {
    const { ledger } = setup();
    await ledger.logCall({ model: 'parent' }, async () => undefined);
    expect(ledger.start({ model: 'after' }).complete().parentId).toBeNull();
  });

  it('concurrent independent contexts do not leak into each other', async () => {
    const { ledger } = setup();
    const count = 200;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        ledger.context({ userId: `user-${index}`, traceId: `trace-${index}`, tags: [`t${index}`] }, () =>
          ledger.logCall({ model: 'parent' }, async (parent) => {
            await sleep(Math.floor(Math.random() * 5));
            await ledger.logCall({ model: 'child' }, async (child) => {
              await sleep(Math.floor(Math.random() * 5));
              expect(child.parentId).toBe(parent.id);
            });
          }),
        ),
      ),
    );
    const page = await ledger.calls.list({ limit: 1000 });
    expect(page.records).toHaveLength(count * 2);
    const byId = new Map(page.records.map((record) => [record.id, record]));
    for (const record of page.records) {
      const index = record.userId!.slice('user-'.length);
      expect(record.traceId).toBe(`trace-${index}`);
      expect(record.tags).toEqual([`t${index}`]);
      if (record.model === 'child') {
        const parent = byId.get(record.parentId!);
        expect(parent?.userId).toBe(record.userId);
        expect(parent?.model).toBe('parent');
      } else {
        expect(record.parentId).toBeNull();
      }
    }
  });

  it('concurrent logCalls without any context each get their own trace', async () => {
    const { ledger } = setup();
    const parents = await Promise.all(
      Array.from({ length: 50 }, () =>
        ledger.logCall({ model: 'parent' }, async (parent) => {
          await sleep(Math.floor(Math.random() * 3));
          const child = ledger.start({ model: 'child' }).complete();
          expect(child.traceId).toBe(parent.id);
          expect(child.parentId).toBe(parent.id);
          return parent.id;
        }),
      ),
    );
    expect(new Set(parents).size).toBe(50);
  });
});

describe('mergeContext', () => {
  it('returns the inner context when there is no outer one', () => {
    const inner = { userId: 'u' };
    expect(mergeContext(undefined, inner)).toEqual(inner);
  });

  it('overrides scalars, concatenates tags without duplicates and merges metadata', () => {
    expect(
      mergeContext(
        { userId: 'a', sessionId: 's', tags: ['x'], metadata: { k: 1, j: 1 } },
        { userId: 'b', tags: ['x', 'y'], metadata: { k: 2 } },
      ),
    ).toEqual({ userId: 'b', sessionId: 's', tags: ['x', 'y'], metadata: { k: 2, j: 1 } });
  });
});
