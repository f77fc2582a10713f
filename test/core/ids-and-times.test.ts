import { describe, expect, it } from 'vitest';
import { newCallId } from '../../src/core/call-id.js';
import { toIsoString } from '../../src/core/iso-time.js';
import { formatDecimal, formatScaled } from '../../src/core/money.js';
import { testLedger, UUID_V7 } from './support.js';

describe('newCallId (UUIDv7)', () => {
  it('has the UUIDv7 layout: version 7, variant 10', () => {
    for (let index = 0; index < 1000; index++) expect(newCallId()).toMatch(UUID_V7);
  });

  it('encodes the time in its first 48 bits', () => {
    const at = Date.UTC(2025, 5, 1, 12, 30, 15, 123);
    const id = newCallId(at + 60_000);
    const milliseconds = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(milliseconds).toBe(at + 60_000);
  });

  it('sorts in creation order, also within one millisecond, and never repeats', () => {
    const ids = Array.from({ length: 100_000 }, () => newCallId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let index = 1; index < ids.length; index++) expect(ids[index]! > ids[index - 1]!).toBe(true);
  });

  it('stays ordered when the clock steps back a little', () => {
    const now = Date.now() + 120_000;
    const first = newCallId(now);
    const second = newCallId(now - 5_000);
    expect(second > first).toBe(true);
  });

  it('has random bits: ids made in the same millisecond differ beyond the counter', () => {
    const at = Date.now() + 240_000;
    const tails = new Set(Array.from({ length: 50 }, () => newCallId(at).slice(-8)));
    expect(tails.size).toBeGreaterThan(45);
  });
});

describe('toIsoString', () => {
  it('matches Date.prototype.toISOString', () => {
    const samples = [
      0,
      1,
      999,
      1000,
      Date.UTC(2025, 0, 1),
      Date.UTC(2025, 0, 1, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 12, 0, 0, 5),
      Date.UTC(2024, 1, 29, 12, 0, 0, 50),
      1_700_000_000_123.9,
      253_402_300_799_999,
    ];
    for (let index = 0; index < 2000; index++) samples.push(Math.floor(Math.random() * 4_000_000_000_000));
    for (const sample of samples) expect(toIsoString(sample)).toBe(new Date(sample).toISOString());
  });

  it('matches Date for every millisecond of a second, the first time and again (suffixes are cached)', () => {
    const second = Date.UTC(2025, 6, 14, 8, 5, 9);
    for (let round = 0; round < 2; round++) {
      for (let millis = 0; millis < 1000; millis++) {
        expect(toIsoString(second + millis + 0.5)).toBe(new Date(second + millis).toISOString());
      }
    }
  });

  it('leaves years outside 0000-9999 and invalid times to Date', () => {
    expect(toIsoString(-1)).toBe(new Date(-1).toISOString());
    expect(toIsoString(253_402_300_800_000)).toBe(new Date(253_402_300_800_000).toISOString());
    expect(() => toIsoString(Number.NaN)).toThrow(RangeError);
  });

  it('a start time beyond the range of Date is reported, not a crash at complete()', () => {
    const { ledger, logger } = testLedger();
    for (const startedAt of [1e20, -1e20, 8.64e15]) {
      const record = ledger.start({ model: 'm', startedAt }).complete();
      expect(Number.isFinite(Date.parse(record.startedAt))).toBe(true);
    }
    expect(logger.problems('Invalid startedAt')).toHaveLength(3);
  });

  it('a record imported from the past keeps its start time, back to 2000', () => {
    const { ledger } = testLedger();
    expect(ledger.start({ model: 'm', startedAt: '2000-01-01T00:00:00.000Z' }).complete().startedAt).toBe(
      '2000-01-01T00:00:00.000Z',
    );
  });

  it('a start before 2000 or from 2200 on is refused (fail-closed) or replaced by now and listed', () => {
    const { ledger } = testLedger();
    for (const startedAt of ['1969-07-20T20:17:40.000Z', '+020000-01-01T00:00:00.000Z', Date.UTC(2200, 0, 1)]) {
      const record = ledger.start({ model: 'm', startedAt }).complete();
      expect(record.startedAt.startsWith('20')).toBe(true);
      expect(record.problems?.join('\n')).toMatch(/startedAt: .* is not a date between 2000-01-01 and 2200-01-01/);
    }
    const closed = testLedger({ failOpen: false }).ledger;
    expect(() => closed.start({ model: 'm', startedAt: '+020000-01-01T00:00:00.000Z' })).toThrow(/Invalid startedAt/);
  });
});

describe('formatScaled', () => {
  it('agrees with formatDecimal', () => {
    const cases: Array<[bigint | number, number]> = [
      [0, 0],
      [0, 6],
      [15, 8],
      [150_000_000, 9],
      [-15, 2],
      [1234567, 3],
      [10n ** 30n, 12],
      [-(10n ** 20n) - 7n, 5],
      [Number.MAX_SAFE_INTEGER, 10],
      [100, 2],
      [7, 0],
    ];
    for (let index = 0; index < 500; index++) {
      cases.push([Math.floor((Math.random() - 0.5) * 1e12), Math.floor(Math.random() * 15)]);
    }
    for (const [units, scale] of cases) {
      expect(formatScaled(units, scale)).toBe(formatDecimal({ units: BigInt(units), scale }));
    }
  });

  it('refuses numbers that are not safe integers', () => {
    expect(() => formatScaled(1.5, 2)).toThrow(RangeError);
    expect(() => formatScaled(2 ** 60, 2)).toThrow(RangeError);
  });
});
