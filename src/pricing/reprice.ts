import type { Pricer } from '../core/call.js';
import {
  addDecimal,
  compareDecimal,
  formatDecimal,
  tryParseDecimal,
  subtractDecimal,
  ZERO,
  type Decimal,
} from '../core/money.js';
import type { CallCost, CallRecord } from '../core/record.js';
import type { CostUpdate } from '../core/store.js';

/** What repricing changed, per model and in all. Amounts are exact decimal strings. */
export interface RepriceSummary {
  scanned: number;
  changed: number;
  /** Calls that had a cost and now have none (the model is no longer priced), or the reverse. */
  becameUnpriced: number;
  becamePriced: number;
  oldTotal: string;
  newTotal: string;
  byModel: Array<{ model: string; changed: number; oldTotal: string; newTotal: string; delta: string }>;
}

/**
 * Accumulates the new cost of each record under the current pricer. A record changes when its
 * total, status or price version differs; only those become updates.
 */
export class RepriceDiff {
  private readonly models = new Map<string, { changed: number; old: Decimal; next: Decimal }>();
  private scanned = 0;
  private becameUnpriced = 0;
  private becamePriced = 0;
  private oldTotal: Decimal = ZERO;
  private newTotal: Decimal = ZERO;

  constructor(private readonly pricer: Pricer) {}

  /** Returns the updates for the records whose cost changes. */
  add(records: readonly CallRecord[]): CostUpdate[] {
    const updates: CostUpdate[] = [];
    for (const record of records) {
      this.scanned += 1;
      const next = this.pricer.price(record);
      if (sameCost(record.cost, next)) continue;
      updates.push({ id: record.id, cost: next });
      const before = amount(record.cost);
      const after = amount(next);
      if (record.cost?.total != null && next?.total == null) this.becameUnpriced += 1;
      if (record.cost?.total == null && next?.total != null) this.becamePriced += 1;
      this.oldTotal = addDecimal(this.oldTotal, before);
      this.newTotal = addDecimal(this.newTotal, after);
      const entry = this.models.get(record.model) ?? { changed: 0, old: ZERO, next: ZERO };
      entry.changed += 1;
      entry.old = addDecimal(entry.old, before);
      entry.next = addDecimal(entry.next, after);
      this.models.set(record.model, entry);
    }
    return updates;
  }

  summary(): RepriceSummary {
    const byModel = [...this.models.entries()]
      .map(([model, entry]) => ({
        model,
        changed: entry.changed,
        oldTotal: formatDecimal(entry.old),
        newTotal: formatDecimal(entry.next),
        delta: formatDecimal(subtractDecimal(entry.next, entry.old)),
      }))
      .sort((a, b) => (a.model < b.model ? -1 : 1));
    return {
      scanned: this.scanned,
      changed: byModel.reduce((total, entry) => total + entry.changed, 0),
      becameUnpriced: this.becameUnpriced,
      becamePriced: this.becamePriced,
      oldTotal: formatDecimal(this.oldTotal),
      newTotal: formatDecimal(this.newTotal),
      byModel,
    };
  }
}

/** A malformed stored amount counts as 0 here; sameCost treats it as different, so it is repriced. */
function amount(cost: CallCost | null): Decimal {
  return cost?.total == null ? ZERO : (tryParseDecimal(cost.total) ?? ZERO);
}

function sameAmount(a: string, b: string): boolean {
  const x = tryParseDecimal(a);
  const y = tryParseDecimal(b);
  return x !== undefined && y !== undefined && compareDecimal(x, y) === 0;
}

function sameCost(a: CallCost | null, b: CallCost | null): boolean {
  if (a === null || b === null) return a === b;
  const sameTotal = a.total === null || b.total === null ? a.total === b.total : sameAmount(a.total, b.total);
  return sameTotal && a.status === b.status && a.pricingVersion === b.pricingVersion && a.currency === b.currency;
}
