import type { CallOwner } from './call-owner.js';
import { formatDecimal, parseDecimal } from './money.js';
import type { CallCost, CallRecord } from './record.js';

/** The owner's pricer's cost for the record; a pricer that throws is reported, and the cost left unset. */
export function priceRecord(owner: CallOwner, record: CallRecord): CallCost | null {
  const pricer = owner.pricer;
  if (!pricer) return null;
  try {
    return pricer.price(record);
  } catch (error) {
    owner.invalid('cost', `pricing failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** A cost the caller computed, as given in `complete({ cost })`. */
export function callerCost(owner: CallOwner, cost: string | number | CallCost): CallCost | null {
  if (typeof cost === 'object') return cost;
  try {
    const total = formatDecimal(parseDecimal(cost));
    return { total, breakdown: {}, currency: owner.baseCurrency, pricingVersion: 'caller', status: 'priced' };
  } catch {
    owner.invalid('cost', `${JSON.stringify(String(cost))} is not a decimal amount; the cost is left unset`);
    return null;
  }
}
