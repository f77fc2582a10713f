import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newCallId } from '../../src/core/call-id.js';
import { RecentIds } from '../../src/core/recent-ids.js';

/** The rule RecentIds keeps, written plainly: most recent last, a hit moves an id to the end. */
class Reference {
  private readonly entries: Array<[string, string | undefined]> = [];
  constructor(private readonly capacity: number) {}
  remember(id: string, traceId: string): void {
    this.drop(id);
    this.entries.push([id, traceId === id ? undefined : traceId]);
    if (this.entries.length > this.capacity) this.entries.shift();
  }
  has(id: string): boolean {
    return this.entries.some(([known]) => known === id);
  }
  traceOf(id: string): string | undefined {
    const entry = this.entries.find(([known]) => known === id);
    if (entry === undefined) return undefined;
    this.drop(id);
    this.entries.push(entry);
    return entry[1] ?? id;
  }
  get size(): number {
    return this.entries.length;
  }
  private drop(id: string): void {
    const index = this.entries.findIndex(([known]) => known === id);
    if (index !== -1) this.entries.splice(index, 1);
  }
}

describe('RecentIds', () => {
  it('keeps the most recent ids with their traces, exactly like the plain rule, through every operation', () => {
    const ids = Array.from({ length: 40 }, () => newCallId());
    const traces = [...ids.slice(0, 5), 'trace-not-a-uuid'];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('remember' as const), id: fc.nat(39), trace: fc.option(fc.nat(5)) }),
      fc.record({ kind: fc.constant('has' as const), id: fc.nat(39) }),
      fc.record({ kind: fc.constant('traceOf' as const), id: fc.nat(39) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(operation, { maxLength: 300 }), (capacity, operations) => {
        const recent = new RecentIds(capacity);
        const reference = new Reference(capacity);
        for (const step of operations) {
          const id = ids[step.id]!;
          if (step.kind === 'remember') {
            const trace = step.trace === null ? id : traces[step.trace]!;
            recent.remember(id, trace);
            reference.remember(id, trace);
          } else if (step.kind === 'has') {
            expect(recent.has(id)).toBe(reference.has(id));
          } else {
            expect(recent.traceOf(id)).toBe(reference.traceOf(id));
          }
          expect(recent.size).toBe(reference.size);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('finds every one of 10,000 ids after 100,000 were remembered, and none of the older ones', () => {
    const recent = new RecentIds(10_000);
    const ids = Array.from({ length: 100_000 }, () => newCallId());
    for (const id of ids) recent.remember(id);
    expect(ids.slice(-10_000).every((id) => recent.traceOf(id) === id)).toBe(true);
    expect(ids.slice(0, 90_000).some((id) => recent.has(id))).toBe(false);
    expect(recent.size).toBe(10_000);
  });

  it('keeps ids of any other form apart, with the same answers', () => {
    const recent = new RecentIds(3);
    const upper = newCallId().toUpperCase();
    for (const id of ['run-1', upper, `${newCallId()}x`, '']) recent.remember(id, 'trace-1');
    expect(recent.traceOf('run-1')).toBeUndefined(); // the oldest of four, with room for three
    expect(recent.traceOf(upper)).toBe('trace-1');
    expect(recent.has(upper.toLowerCase())).toBe(false);
    expect(recent.traceOf('')).toBe('trace-1');
  });

  it('refuses a capacity below 1', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
  });
});
