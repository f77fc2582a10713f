import { BoundedMap } from '../../core/bounded-map.js';
import type { LimitCheck } from '../backend.js';
import type { Applicable, ResolvedBudget } from './limit-registry.js';
import { windowOf } from '../counters/period.js';
import { groupBudgets, type LimitGroup } from './reservation-plan.js';

interface Cached {
  readonly groups: readonly LimitGroup[];
  /** The groups' counter keys, in order: what a reservation holds. */
  readonly keys: readonly string[];
  readonly checks: readonly LimitCheck[];
  /** When the entry holds: within every one of its budgets' windows. */
  readonly fromMs: number;
  readonly untilMs: number;
}

/** Entries kept at most; past it the least recently used goes (one miss for that subject later). */
const MAX_ENTRIES = 4096;

/**
 * The limit groups of recent calls, by the budgets that applied to them. A subject's calls meet
 * the same budgets in the same windows until a window ends or the limits change, and grouping
 * (counter keys, combined maxima) allocates a dozen objects per call. The cached groups are also
 * the same objects call after call, which lets the Redis backend keep its text of their maxima.
 * An entry holds for the windows it was built in; a changed budget is another ResolvedBudget
 * object, hence another entry.
 */
export class LimitGroupCache {
  private readonly ids = new WeakMap<ResolvedBudget, number>();
  private nextId = 0;
  private readonly entries = new BoundedMap<string, Cached>({ maxEntries: MAX_ENTRIES });

  constructor(private readonly retentionMs: number) {}

  groupsFor(budgets: ReadonlyArray<Applicable<ResolvedBudget>>, nowMs: number): Cached {
    // Lengths before the parts: subject ids may hold any character.
    let key = '';
    for (const { limit, subject } of budgets) {
      key += `${this.idOf(limit)}:${subject.dimension.length}:${subject.dimension}${subject.id.length}:${subject.id}`;
    }
    const cached = this.entries.get(key);
    if (cached && nowMs >= cached.fromMs && nowMs < cached.untilMs) return cached;
    const groups = groupBudgets(budgets, nowMs, this.retentionMs);
    for (const { check } of groups) {
      Object.freeze(check.hard);
      Object.freeze(check.soft);
      Object.freeze(check);
    }
    let fromMs = -Infinity;
    let untilMs = Infinity;
    for (const { limit } of budgets) {
      const window = windowOf(limit.period, nowMs);
      fromMs = Math.max(fromMs, window.startMs);
      untilMs = Math.min(untilMs, window.endMs);
    }
    const entry: Cached = {
      groups,
      // Frozen: shared by every call that hits the entry (and the reservation text caches its JSON).
      keys: Object.freeze(groups.map((group) => group.check.counter.key)),
      checks: Object.freeze(groups.map((group) => group.check)),
      fromMs,
      untilMs,
    };
    this.entries.set(key, entry);
    return entry;
  }

  private idOf(budget: ResolvedBudget): number {
    let id = this.ids.get(budget);
    if (id === undefined) this.ids.set(budget, (id = this.nextId++));
    return id;
  }
}
