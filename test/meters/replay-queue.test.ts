import { describe, expect, it } from 'vitest';
import type { CommitEntry } from '../../src/meters/backend.js';
import { ReplayQueue } from '../../src/meters/settlement/replay-queue.js';
import { resolveMeterOptions } from '../../src/meters/backed-meter/meter-options.js';
import { MemoryMeterBackend } from '../../src/meters/memory/memory-meter.js';
import { ValidationError } from '../../src/core/errors.js';

function entry(id: string): CommitEntry {
  return { nowMs: 0, applyId: id, applyTtlMs: 1000, reservation: '', counters: [] } as unknown as CommitEntry;
}

function queue(maxPending: number, commit: (entries: readonly CommitEntry[]) => Promise<boolean[]>) {
  const dropped: number[] = [];
  const replayed: string[] = [];
  const replay = new ReplayQueue({
    commit,
    now: () => 5,
    baseDelayMs: 60_000,
    maxDelayMs: 60_000,
    maxPending,
    onReplayed: (_, entries) => replayed.push(...entries.map((e) => e.applyId!)),
    onFailed: () => undefined,
    onDropped: (count) => dropped.push(count),
  });
  return { replay, dropped, replayed };
}

describe('the replay queue', () => {
  it('past maxPending drops the oldest settlements, counts them once per add, and replays the rest in order', async () => {
    const { replay, dropped, replayed } = queue(3, (entries) => Promise.resolve(entries.map(() => true)));
    replay.add([entry('a'), entry('b')]);
    replay.add([entry('c'), entry('d'), entry('e')]);
    expect(dropped).toEqual([2]);
    expect(replay.size).toBe(3);
    await replay.drain();
    replay.stop();
    expect(replayed).toEqual(['c', 'd', 'e']);
    expect(replay.size).toBe(0);
  });

  it('a settlement added again replaces the pending one and is not counted as dropped', async () => {
    const { replay, dropped, replayed } = queue(2, (entries) => Promise.resolve(entries.map(() => true)));
    replay.add([entry('a'), entry('b'), entry('a')]);
    expect(dropped).toEqual([]);
    await replay.drain();
    replay.stop();
    expect(replayed).toEqual(['b', 'a']);
  });

  it('keeps everything pending when the backend fails, to try again later', async () => {
    const { replay, replayed } = queue(10, () => Promise.reject(new Error('down')));
    replay.add([entry('a'), entry('b')]);
    await replay.drain();
    replay.stop();
    expect(replayed).toEqual([]);
    expect(replay.size).toBe(2);
  });

  it('refuses a maxPendingReplay that is not a whole number >= 0, naming the option', () => {
    const backend = new MemoryMeterBackend();
    expect(() => resolveMeterOptions({ backend, maxPendingReplay: -1 })).toThrow(ValidationError);
    expect(() => resolveMeterOptions({ backend, maxPendingReplay: 1.5 })).toThrow(/maxPendingReplay.*got 1\.5/);
    expect(resolveMeterOptions({ backend, maxPendingReplay: 0 }).maxPendingReplay).toBe(0);
  });
});
