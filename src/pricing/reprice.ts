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
import { isMalformedAmount, MalformedRowTally, type MalformedRows } from '../core/malformed-rows.js';
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
  /** Scanned calls whose stored cost was no decimal: counted as 0 in oldTotal, and repriced. */
  malformedRows?: MalformedRows;
}

/**
 * Accumulates the new cost of each record under the current pricer. A record changes only when
 * its value changes: the total, a breakdown amount (compared as exact decimals, so `0.50` equals
 * `0.5`), the status or the currency. A new price version alone (an edit elsewhere in the
 * configuration, a newer catalog that did not move this price) is no change: the stored cost is
 * still right, and rewriting it would append a no-op entry to its history.
 */
export class RepriceDiff {
  private readonly models = new Map<string, { changed: number; old: Decimal; next: Decimal }>();
  private scanned = 0;
  private becameUnpriced = 0;
  private becamePriced = 0;
  private oldTotal: Decimal = ZERO;
  private newTotal: Decimal = ZERO;
  private readonly malformed = new MalformedRowTally();

  constructor(private readonly pricer: Pricer) {}

  /** Returns the updates for the records whose cost changes. */
  add(records: readonly CallRecord[]): CostUpdate[] {
    const updates: CostUpdate[] = [];
    for (const record of records) {
      this.scanned += 1;
      if (isMalformedAmount(record.cost?.total)) this.malformed.add(record.id);
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
    const malformed = this.malformed.result();
    return {
      scanned: this.scanned,
      changed: byModel.reduce((total, entry) => total + entry.changed, 0),
      becameUnpriced: this.becameUnpriced,
      becamePriced: this.becamePriced,
      oldTotal: formatDecimal(this.oldTotal),
      newTotal: formatDecimal(this.newTotal),
      byModel,
      ...(malformed && { malformedRows: malformed }),
    };
  }
}

/** A malformed stored amount counts as 0 here; sameCost treats it as different, so it is repriced. */
function amount(cost: CallCost | null): Decimal {
  return cost?.total == null ? ZERO : (tryParseDecimal(cost.total) ?? ZERO);
}

/** Same value: total, status, currency and every breakdown amount, compared as exact decimals. */
export function sameCost(a: CallCost | null, b: CallCost | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    sameAmount(a.total, b.total) &&
    a.status === b.status &&
    a.currency === b.currency &&
    sameBreakdown(a.breakdown, b.breakdown)
  );
}

/** A malformed stored amount is never the same as anything: it gets repriced. */
function sameAmount(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return (a == null) === (b == null);
  const x = tryParseDecimal(a);
  const y = tryParseDecimal(b);
  return x !== undefined && y !== undefined && compareDecimal(x, y) === 0;
}

/** A bucket absent on one side equals a zero amount on the other. */
function sameBreakdown(a: CallCost['breakdown'], b: CallCost['breakdown']): boolean {
  for (const key of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    const left = (a as Record<string, string | undefined> | undefined)?.[key] ?? '0';
    const right = (b as Record<string, string | undefined> | undefined)?.[key] ?? '0';
    if (!sameAmount(left, right)) return false;
  }
  return true;
}
