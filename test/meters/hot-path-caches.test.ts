import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/core/money.js';
import { BackedMeter } from '../../src/meters/backed-meter/backed-meter.js';
import { costToUnits } from '../../src/meters/counters/cost-units.js';
import { QuotaExceededError } from '../../src/meters/errors.js';
import { MemoryMeterBackend } from '../../src/meters/memory/memory-meter.js';
import { encodeReservation } from '../../src/meters/engine/reservation-payload.js';
import { FIXED_ESTIMATE, TestClock } from './support/meter-fixtures.js';

// The reserve/settle path keeps a few shortcuts (plain amounts, plain ids, limit groups cached per
// subject): each must give what the general path gives.

describe('shortcuts of the reserve and settle path', () => {
  it('converts plain amounts as the general parse does', () => {
    const amounts = ['0', '7', '1.', '0.000198', '007.50', '12.345678901234', '9223372.036854775807'];
    const general = ['1.0000000000001', ' 1.5', '-1.5', '1e-7', '.5', '0.0000000000010000001'];
    for (const amount of [...amounts, ...general]) {
      expect(costToUnits(amount), amount).toBe(costToUnits(parseDecimal(amount.trim())));
    }
  });

  it('writes reservation ids as JSON.stringify does', () => {
    const amounts = { cost: 5n, tokens: 10n, requests: 1n };
    const ids = ['3f1c2e4a-0b5d-4c1e-9f00-1234567890ab', 'a"b', 'a\\b', 'tab\there', 'é-ü', '\u007f', '\ud800', ''];
    for (const id of ids) {
      const text = encodeReservation(id, ['user:d2031-03-14:u-1'], amounts);
      expect(JSON.parse(text)).toEqual({ id, k: ['user:d2031-03-14:u-1'], c: '5', t: '10', r: '1' });
      expect(text).toBe(JSON.stringify({ id, k: ['user:d2031-03-14:u-1'], c: '5', t: '10', r: '1' }));
    }
  });

  it('encodes a changed key list anew (only frozen lists are remembered)', () => {
    const amounts = { cost: 5n, tokens: 10n, requests: 1n };
    const keys = ['user:a'];
    expect(JSON.parse(encodeReservation('x', keys, amounts)).k).toEqual(['user:a']);
    keys[0] = 'user:b';
    expect(JSON.parse(encodeReservation('x', keys, amounts)).k).toEqual(['user:b']);
  });

  it('checks a budget changed between calls, and windows the clock goes back to', async () => {
    const clock = new TestClock(Date.parse('2031-03-14T23:59:00.000Z'));
    const meter = new BackedMeter({ backend: new MemoryMeterBackend(), clock, estimate: FIXED_ESTIMATE });
    meter.limits.set({ subject: 'user:*', period: 'day', maxRequests: 2 });
    const call = (id: string) => ({ id, model: 'm', userId: 'u-1' });
    await meter.reserve(call('a'));
    meter.limits.set({ subject: 'user:*', period: 'day', maxRequests: 1 });
    await expect(meter.reserve(call('b'))).rejects.toBeInstanceOf(QuotaExceededError);
    clock.set('2031-03-15T00:00:00.000Z');
    expect((await meter.reserve(call('c')))?.id).toBe('c');
    clock.set('2031-03-14T23:59:30.000Z');
    await expect(meter.reserve(call('d'))).rejects.toBeInstanceOf(QuotaExceededError);
    expect((await meter.get('user:u-1', 'day', Date.parse('2031-03-14T12:00:00.000Z'))).reserved.requests).toBe(1);
    expect((await meter.get('user:u-1', 'day', Date.parse('2031-03-15T00:00:00.000Z'))).reserved.requests).toBe(1);
    await meter.close();
  });
});
