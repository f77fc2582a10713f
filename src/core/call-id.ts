import { webcrypto } from 'node:crypto';

/**
 * UUIDv7 ids (RFC 9562) for calls, made on the caller's path, so they must be cheap: random bits
 * come from a pooled `crypto.getRandomValues`, hex digits from a table.
 *
 * Layout: 48-bit Unix milliseconds | version 7 | 12-bit rand_a | variant 10 | 62-bit rand_b.
 * rand_a and the top 30 bits of rand_b hold a 42-bit counter (RFC 9562 section 6.2, method 1)
 * that starts at a random value each millisecond and increases within it, so ids made by one
 * process sort in creation order even within one millisecond. The low 32 bits of rand_b are
 * fresh random bits for every id.
 */

const POOL_SIZE = 1024;
const pool = new Uint32Array(POOL_SIZE);
let cursor = POOL_SIZE;

function random32(): number {
  if (cursor === POOL_SIZE) {
    webcrypto.getRandomValues(pool);
    cursor = 0;
  }
  return pool[cursor++]!;
}

const HEX: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function hex16(value: number): string {
  return HEX[(value >>> 8) & 0xff]! + HEX[value & 0xff]!;
}

function hex32(value: number): string {
  return hex16(value >>> 16) + hex16(value & 0xffff);
}

const COUNTER_LIMIT = 2 ** 42;
/** A clock that went back by less than this is treated as jitter: the last timestamp is kept. */
const ROLLBACK_ALLOWANCE_MS = 10_000;

let lastMs = -1;
let counter = 0;
let timestampPrefix = '';

/** Returns a new UUIDv7 string for the given time (default: now), e.g. `0194a1b2-c3d4-7e5f-9a0b-1c2d3e4f5a6b`. */
export function newCallId(now: number = Date.now()): string {
  let ms = Math.floor(now);
  if (ms > lastMs || ms < lastMs - ROLLBACK_ALLOWANCE_MS) {
    // A new millisecond: the counter restarts at a random value below 2^41, leaving room to count.
    counter = (random32() & 0x1ff) * 2 ** 32 + random32();
  } else {
    ms = lastMs;
    counter += 1;
    if (counter >= COUNTER_LIMIT) {
      // 2^41 ids in one millisecond: borrow the next one.
      ms = lastMs + 1;
      counter = (random32() & 0x1ff) * 2 ** 32 + random32();
    }
  }
  if (ms !== lastMs) {
    lastMs = ms;
    const high = Math.floor(ms / 2 ** 16);
    timestampPrefix = `${hex32(high)}-${hex16(ms % 2 ** 16)}-7`;
  }
  const randA = Math.floor(counter / 2 ** 30); // 12 bits
  const counterLow = counter % 2 ** 30; // 30 bits
  const variantAndHigh = 0x8000 | (counterLow >>> 16); // 10 + 14 bits
  const middle = HEX[randA >>> 8]![1]! + HEX[randA & 0xff]! + '-' + hex16(variantAndHigh) + '-';
  const last = hex16(counterLow & 0xffff) + hex32(random32());
  // Ids wait in the write queue long enough to outlive young-generation collections: `join` makes
  // one flat string for the collector to copy; `+` would make a rope of four objects.
  return [timestampPrefix, middle, last].join('');
}
