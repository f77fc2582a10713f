/**
 * The bounded map every in-process cache uses (src/core/bounded-map.ts), against the eviction rules
 * it replaced, at 10,000 entries:
 * - `set, evicting`: each insert past the bound evicts one entry. Baseline: a plain Map that
 *   deletes its first key ("the oldest"), which walks over the slots deleted before it;
 * - `get, hit`: a read of a held key (BoundedMap marks it recently used; a plain Map does nothing).
 * CPU nanoseconds per operation, median over interleaved rounds.
 *
 * BENCH_ROUNDS (default 7) and BENCH_OPS (operations per mode per round, default 200,000) tune it.
 */
import { BoundedMap } from '../src/core/bounded-map.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const OPS = Number(process.env.BENCH_OPS) || 200_000;
const CAPACITY = 10_000;
const keys = Array.from({ length: CAPACITY * 4 }, (_, index) => `call-${index}`);

function cpuNs(run: () => void): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / OPS;
}

const modes: Record<string, () => number> = {
  'set, evicting: Map + delete first key': () => {
    const map = new Map<string, number>();
    return cpuNs(() => {
      for (let i = 0; i < OPS; i++) {
        if (map.size >= CAPACITY) map.delete(map.keys().next().value!);
        map.set(keys[i % keys.length]!, i);
      }
    });
  },
  'set, evicting: BoundedMap': () => {
    const map = new BoundedMap<string, number>({ maxEntries: CAPACITY });
    return cpuNs(() => {
      for (let i = 0; i < OPS; i++) map.set(keys[i % keys.length]!, i);
    });
  },
  'get, hit: Map': () => {
    const map = new Map(keys.slice(0, CAPACITY).map((key, index) => [key, index]));
    return cpuNs(() => {
      for (let i = 0; i < OPS; i++) map.get(keys[i % CAPACITY]!);
    });
  },
  'get, hit: BoundedMap': () => {
    const map = new BoundedMap<string, number>({ maxEntries: CAPACITY });
    for (let i = 0; i < CAPACITY; i++) map.set(keys[i]!, i);
    return cpuNs(() => {
      for (let i = 0; i < OPS; i++) map.get(keys[i % CAPACITY]!);
    });
  },
};

export async function main(): Promise<void> {
  const samples = new Map<string, number[]>(Object.keys(modes).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(modes)) samples.get(name)!.push(run());
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const result = new Map([...samples].map(([name, values]) => [name, median(values)]));
  for (const [name, ns] of result)
    process.stdout.write(`${name.padEnd(40)} ${ns.toFixed(1).padStart(8)} ns/op (CPU)\n`);
  const ratio = (a: string, b: string) => (result.get(a)! / result.get(b)!).toFixed(2);
  process.stdout.write(
    `set, evicting: BoundedMap / Map + delete first key = ${ratio('set, evicting: BoundedMap', 'set, evicting: Map + delete first key')}\n` +
      `get, hit: BoundedMap / Map = ${ratio('get, hit: BoundedMap', 'get, hit: Map')}\n`,
  );
  await Promise.resolve();
}
