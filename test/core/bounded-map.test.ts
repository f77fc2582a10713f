import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/core/bounded-map.js';

describe('BoundedMap', () => {
  it('keeps at most maxEntries and evicts the least recently used first', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 3 });
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.get('a')).toBe(1); // a is now the most recently used
    map.set('d', 4);
    expect(map.has('b')).toBe(false);
    expect([...map.keys()]).toEqual(['c', 'a', 'd']);
    expect(map.size).toBe(3);
  });

  it('peek and has read without making the entry recent', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 2 });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.peek('a')).toBe(1);
    expect(map.has('a')).toBe(true);
    map.set('c', 3);
    expect([...map]).toEqual([
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('replacing a value makes it the most recent and does not evict', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<string, number>({ maxEntries: 2, onEvict: (key) => evicted.push(key) });
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    expect(evicted).toEqual([]);
    map.set('c', 3);
    expect(evicted).toEqual(['b']);
    expect([...map]).toEqual([
      ['a', 10],
      ['c', 3],
    ]);
  });

  it('bounds the total weight, evicting as many old entries as the new one needs', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<string, string>({
      maxEntries: 100,
      maxWeight: 10,
      weigh: (value) => value.length,
      onEvict: (key) => evicted.push(key),
    });
    map.set('a', 'xxxx');
    map.set('b', 'xxxx');
    expect(map.weight).toBe(8);
    map.set('c', 'xxxxxxx');
    expect(evicted).toEqual(['a', 'b']);
    expect(map.weight).toBe(7);
    map.set('c', 'xx');
    expect(map.weight).toBe(2);
  });

  it('refuses an entry heavier than maxWeight on its own, dropping the key it would replace', () => {
    const map = new BoundedMap<string, string>({ maxEntries: 5, maxWeight: 4, weigh: (value) => value.length });
    map.set('a', 'xx');
    expect(map.set('a', 'xxxxx')).toBe(false);
    expect(map.has('a')).toBe(false);
    expect(map.weight).toBe(0);
  });

  it('keeps nothing with maxEntries 0', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 0 });
    expect(map.set('a', 1)).toBe(false);
    expect(map.size).toBe(0);
  });

  it('delete and clear release entries and weight, and reported nothing as evicted', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<string, string>({
      maxEntries: 3,
      maxWeight: 100,
      weigh: (value) => value.length,
      onEvict: (key) => evicted.push(key),
    });
    map.set('a', 'xxx');
    map.set('b', 'xx');
    map.set('c', 'x');
    expect(map.delete('b')).toBe(true);
    expect(map.delete('b')).toBe(false);
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map.weight).toBe(4);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.weight).toBe(0);
    expect([...map]).toEqual([]);
    map.set('d', 'x');
    expect([...map.keys()]).toEqual(['d']);
    expect(evicted).toEqual([]);
  });

  it('lets the entry just yielded be deleted while iterating', () => {
    const map = new BoundedMap<number, number>({ maxEntries: 10 });
    for (let i = 0; i < 5; i++) map.set(i, i);
    const seen: number[] = [];
    for (const key of map.keys()) {
      seen.push(key);
      map.delete(key);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(map.size).toBe(0);
  });

  it('evicting on every insert keeps exactly the newest maxEntries', () => {
    // The cost of this (linear, unlike "delete the Map's first key") is measured by `npm run bench -- bounded-map`.
    const map = new BoundedMap<number, number>({ maxEntries: 1000 });
    for (let i = 0; i < 10_000; i++) map.set(i, i);
    expect(map.size).toBe(1000);
    expect([...map.keys()]).toEqual(Array.from({ length: 1000 }, (_, index) => 9000 + index));
  });

  it('rejects bounds and weights that cannot be kept, saying which', () => {
    expect(() => new BoundedMap({ maxEntries: -1 })).toThrow(/maxEntries must be a whole number >= 0, got -1/);
    expect(() => new BoundedMap({ maxEntries: 1.5 })).toThrow(/maxEntries/);
    expect(() => new BoundedMap({ maxEntries: 1, maxWeight: Number.NaN })).toThrow(/maxWeight/);
    const map = new BoundedMap<string, number>({ maxEntries: 2, weigh: (value) => value });
    expect(() => map.set('a', -1)).toThrow(/weigh must return a finite number >= 0, got -1/);
    expect(() => map.set('a', Number.NaN)).toThrow(/got NaN/);
  });
});
