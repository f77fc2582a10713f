import { describe, expect, it } from 'vitest';
import { DeferredFinalizations } from '../../src/core/deferred-finalizations.js';
import { nextTurn } from './support.js';

async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await nextTurn();
}

describe('deferred finalizations', () => {
  it('run after the code that added them, and after the immediates it queued (where fetch sends a request)', async () => {
    const order: string[] = [];
    const deferred = new DeferredFinalizations(() => {});
    deferred.add(() => order.push('first'));
    deferred.add(() => order.push('second'));
    await Promise.resolve();
    order.push('continuation');
    setImmediate(() => order.push('request sent'));
    expect(deferred.size).toBe(2);
    await turns(2);
    expect(order).toEqual(['continuation', 'request sent', 'first', 'second']);
    expect(deferred.size).toBe(0);
  });

  it('runAll runs them at once, and the turn scheduled earlier finds nothing left', async () => {
    let runs = 0;
    const deferred = new DeferredFinalizations(() => {});
    deferred.add(() => runs++);
    deferred.runAll();
    expect(runs).toBe(1);
    await turns(2);
    expect(runs).toBe(1);
    deferred.add(() => runs++);
    await turns(2);
    expect(runs).toBe(2);
  });

  it('a task that throws is reported and the others still run', () => {
    const reported: unknown[] = [];
    const deferred = new DeferredFinalizations((error) => reported.push(error));
    const ran: number[] = [];
    const failure = new Error('refused');
    deferred.add(() => ran.push(1));
    deferred.add(() => {
      throw failure;
    });
    deferred.add(() => ran.push(3));
    deferred.runAll();
    expect(ran).toEqual([1, 3]);
    expect(reported).toEqual([failure]);
  });

  it('a task added while they run runs in the same pass, so runAll leaves nothing behind', () => {
    const deferred = new DeferredFinalizations(() => {});
    const ran: string[] = [];
    deferred.add(() => {
      ran.push('outer');
      deferred.add(() => ran.push('inner'));
    });
    deferred.runAll();
    expect(ran).toEqual(['outer', 'inner']);
    expect(deferred.size).toBe(0);
  });

  it('a task that goes on asynchronously (a count in chunks) is waited for by settle, and its rejection reported', async () => {
    const reported: unknown[] = [];
    const deferred = new DeferredFinalizations((error) => reported.push(error));
    const done: string[] = [];
    const failure = new Error('count failed');
    deferred.add(async () => {
      await turns(3);
      done.push('counted');
      // A task it adds once its count is done is run by the same settle.
      deferred.add(() => done.push('added later'));
    });
    deferred.add(async () => {
      await nextTurn();
      throw failure;
    });
    deferred.runAll();
    expect(deferred.size).toBe(2);
    expect(done).toEqual([]);
    await deferred.settle();
    expect(done).toEqual(['counted', 'added later']);
    expect(reported).toEqual([failure]);
    expect(deferred.size).toBe(0);
  });
});
