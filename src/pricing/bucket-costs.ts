import { formatScaled } from '../core/money.js';
import type { TokenUsage } from '../core/record.js';
import { COST_SLOTS, type CompiledPriceSet } from './compiled-prices.js';

/** The cost of one call, per slot, in the base currency. */
export interface BucketCosts {
  /** Exact decimal string. */
  total: string;
  /** Exact decimal string per slot that had tokens (uncached input under `input`, text output under `output`). */
  breakdown: Record<string, string>;
  /** A price or a count had to be guessed: see the notes for which. */
  estimated: boolean;
}

const SLOT_COUNT = COST_SLOTS.length;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
// Token counts per slot for the call being priced; pricing is synchronous, so one scratch array
// serves every call without allocating.
const counts = new Float64Array(SLOT_COUNT);

/**
 * Prices every slot at its own price, with inclusive counts (`input` includes cache reads and
 * writes; `output` includes reasoning), so nothing is counted twice:
 * - uncached input = input - cacheRead - cacheWrite (- input audio and image when priced apart);
 * - cache writes split into 5-minute (cacheWrite - cacheWrite1h) and 1-hour when 1-hour is priced;
 * - text output = output - reasoning (- output audio when priced apart).
 *
 * A slot without its own price uses the price the source implies (input for cache and media,
 * output for reasoning), resolved when the prices were compiled. The result is marked estimated
 * only when that fallback is known to be wrong (cache reads anywhere, Anthropic cache writes),
 * when tokens have no price at all, or when counts contradict each other (then clamped).
 * `notes`, when given, receives one sentence per such case, for `llm-ledger cost`.
 *
 * Arithmetic is on integers: JavaScript numbers while the total stays below 2^53 (where integer
 * products and sums are exact; every term is non-negative, so a safe total proves every step
 * was), BigInt otherwise.
 */
export function computeBucketCosts(usage: TokenUsage, set: CompiledPriceSet, notes?: string[]): BucketCosts {
  if (set.free) return { total: '0', breakdown: {}, estimated: false };
  const clamped = splitUsage(usage, set, notes);
  const estimated = usesFallbacks(set, notes) || clamped;
  const small = set.effectiveSmall;
  if (small) {
    const breakdown: Record<string, string> = {};
    let total = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
      const tokens = counts[slot]!;
      const price = small[slot];
      if (tokens <= 0 || price === undefined) continue;
      const cost = price * tokens;
      total += cost;
      if (total > MAX_SAFE) break; // past 2^53 a product may be inexact: redo in BigInt
      breakdown[COST_SLOTS[slot]!] = formatScaled(cost, set.scale);
    }
    if (set.requestSmall !== undefined) {
      total += set.requestSmall;
      breakdown.request = formatScaled(set.requestSmall, set.scale);
    }
    if (total <= MAX_SAFE) return { total: formatScaled(total, set.scale), breakdown, estimated };
  }
  return { ...priceWithBigInt(set), estimated };
}

/** Whether any slot with tokens has no price or a price known to be wrong; notes say which. */
function usesFallbacks(set: CompiledPriceSet, notes?: string[]): boolean {
  let estimated = false;
  for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
    if (counts[slot]! > 0 && (set.guessed[slot] || set.effective[slot] === undefined)) {
      estimated = true;
      if (notes) describeFallback(slot, counts[slot]!, set, notes);
    }
  }
  return estimated;
}

/** Fills `counts` for the usage; true when counts contradicted each other and were clamped. */
function splitUsage(usage: TokenUsage, set: CompiledPriceSet, notes?: string[]): boolean {
  let clamped = false;
  const audioIn = set.splitsInputAudio ? (usage.inputAudio ?? 0) : 0;
  const imageIn = set.splitsInputImage ? (usage.inputImage ?? 0) : 0;
  let uncached = usage.input - usage.cacheRead - usage.cacheWrite - audioIn - imageIn;
  if (uncached < 0) {
    clamped = true;
    notes?.push(
      `cache and media input (${usage.input - uncached}) exceed input (${usage.input}); uncached input taken as 0`,
    );
    uncached = 0;
  }
  const oneHour = usage.cacheWrite1h ?? 0;
  const write1h = set.splitsCacheWrite1h ? Math.min(oneHour, usage.cacheWrite) : 0;
  if (!set.splitsCacheWrite1h && oneHour > 0 && set.cacheWrite1hGuessed) {
    clamped = true;
    notes?.push('no 1-hour cache-write price: 1-hour writes charged at the 5-minute price, which is lower');
  }
  let reasoning = usage.reasoning;
  if (reasoning > usage.output) {
    clamped = true;
    notes?.push(`reasoning (${reasoning}) exceeds output (${usage.output}); clamped to output`);
    reasoning = usage.output;
  }
  const audioOut = set.splitsOutputAudio ? Math.min(usage.outputAudio ?? 0, usage.output - reasoning) : 0;
  counts[0] = uncached;
  counts[1] = usage.cacheRead;
  counts[2] = usage.cacheWrite - write1h;
  counts[3] = write1h;
  counts[4] = usage.output - reasoning - audioOut;
  counts[5] = reasoning;
  counts[6] = audioIn;
  counts[7] = audioOut;
  counts[8] = imageIn;
  return clamped;
}

function priceWithBigInt(set: CompiledPriceSet): { total: string; breakdown: Record<string, string> } {
  const breakdown: Record<string, string> = {};
  let total = 0n;
  for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
    const tokens = counts[slot]!;
    const price = set.effective[slot];
    if (tokens <= 0 || price === undefined) continue;
    const cost = price * BigInt(tokens);
    total += cost;
    breakdown[COST_SLOTS[slot]!] = formatScaled(cost, set.scale);
  }
  if (set.request !== undefined) {
    total += set.request;
    breakdown.request = formatScaled(set.request, set.scale);
  }
  return { total: formatScaled(total, set.scale), breakdown };
}

function describeFallback(slot: number, tokens: number, set: CompiledPriceSet, notes: string[]): void {
  const name = COST_SLOTS[slot]!;
  if (set.effective[slot] === undefined) {
    notes.push(`${tokens} ${name} tokens have no price in the source; they are not charged`);
  } else if (name === 'cacheRead') {
    notes.push('no cache-read price: cache reads charged at the input price (providers discount them)');
  } else if (name === 'cacheWrite') {
    notes.push('no cache-write price: cache writes charged at the input price (this provider charges more)');
  }
}
