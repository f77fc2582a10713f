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

/** ASCII codes of the lowercase hex digits. */
const DIGITS = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));

/**
 * The id is written into these 36 bytes and read out as one latin1 string: a single flat string
 * per id. Built from pieces it cost ten intermediate strings and an array per call, the largest
 * allocation on the call path after the record itself.
 */
const ID_BYTES = Buffer.alloc(36);
ID_BYTES[8] = ID_BYTES[13] = ID_BYTES[18] = ID_BYTES[23] = 0x2d; // '-'
ID_BYTES[14] = 0x37; // version 7

/** Writes `count` hex digits of `value` (at most 32 bits) ending before `end`. */
function writeHex(value: number, end: number, count: number): void {
  for (let index = end - 1; index >= end - count; index--) {
    ID_BYTES[index] = DIGITS[value & 0xf]!;
    value >>>= 4;
  }
}

const COUNTER_LIMIT = 2 ** 42;
/** A clock that went back by less than this is treated as jitter: the last timestamp is kept. */
const ROLLBACK_ALLOWANCE_MS = 10_000;

let lastMs = -1;
let counter = 0;

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
    writeHex(Math.floor(ms / 2 ** 16), 8, 8);
    writeHex(ms % 2 ** 16, 13, 4);
  }
  const randA = Math.floor(counter / 2 ** 30); // 12 bits
  const counterLow = counter % 2 ** 30; // 30 bits
  writeHex(randA, 18, 3);
  writeHex(0x8000 | (counterLow >>> 16), 23, 4); // variant 10 + 14 counter bits
  writeHex(counterLow & 0xffff, 28, 4);
  writeHex(random32(), 36, 8);
  return ID_BYTES.toString('latin1', 0, 36);
}
