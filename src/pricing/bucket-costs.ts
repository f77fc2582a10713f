import { formatScaled } from '../core/money.js';
import type { TokenUsage } from '../core/record.js';
import { COST_SLOTS, PER_HOUR_SLOTS, type CompiledPriceSet } from './compiled-prices.js';

/** The cost of one call, per slot, in the base currency. */
export interface BucketCosts {
  /** Exact decimal string; null when the call used only buckets the model has no price for. */
  total: string | null;
  /** Exact decimal string per slot that had a count and a price (uncached input under `input`, text output under `output`). */
  breakdown: Record<string, string>;
  /** A price or a count had to be guessed, or part of the usage has no price: see the notes for which. */
  estimated: boolean;
  /** Slots the call used that have no price (not charged), in slot order; empty when none. */
  unpriced: string[];
}

const SLOT_COUNT = COST_SLOTS.length;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SLOT = Object.fromEntries(COST_SLOTS.map((slot, index) => [slot, index])) as Record<
  (typeof COST_SLOTS)[number],
  number
>;
/** Extra decimal places of a cost priced per hour and counted in seconds (a price / 3600 need not terminate). */
const PER_HOUR_EXTRA_SCALE = 12;
const NO_UNPRICED: string[] = [];
// Counts per slot for the call being priced; pricing is synchronous, so one scratch array
// serves every call without allocating.
const counts = new Float64Array(SLOT_COUNT);

/**
 * Prices every slot at its own price, with inclusive counts (`input` includes cache reads and
 * writes and media; `cacheRead` and `inputAudio` both include cached audio; `output` includes
 * reasoning), so nothing is counted twice, the way `@pydantic/genai-prices` splits usage:
 * - cached audio = cacheAudioRead (when priced apart; else it stays in cache reads);
 * - uncached audio = inputAudio - cached audio (when audio is priced apart; else text input);
 *   cached audio without a price of its own is a cache read, or audio when cache reads have none;
 * - cache reads = cacheRead - cached audio priced apart;
 * - uncached input = input - cacheRead - cacheWrite - uncached audio and image priced apart;
 * - cache writes split into 5-minute (cacheWrite - cacheWrite1h) and 1-hour when 1-hour is priced;
 * - text output = output - reasoning (- output audio when priced apart);
 * - audio seconds, pages: the input / annotated part at its own price when there is one, the rest
 *   at the general price.
 *
 * A slot without its own price uses the price the source implies (input for cache reads and
 * writes, output for reasoning), resolved when the prices were compiled. A slot with a count and
 * no price at all is not charged: it is listed in `unpriced`, the cost is estimated, and the total
 * is null when nothing the call used is priced (never a silent 0). The result is also estimated
 * when a fallback is known to be wrong (cache reads anywhere, Anthropic cache writes), or when
 * counts contradict each other (then clamped). `notes`, when given, receives one sentence per such
 * case, for `llm-ledger cost`.
 *
 * Arithmetic is on integers: JavaScript numbers while the total stays below 2^53 (where integer
 * products and sums are exact; every term is non-negative, so a safe total proves every step
 * was), BigInt otherwise and for audio seconds (priced per hour).
 */
export function computeBucketCosts(usage: TokenUsage, set: CompiledPriceSet, notes?: string[]): BucketCosts {
  if (set.free) return { total: '0', breakdown: {}, estimated: false, unpriced: NO_UNPRICED };
  const clamped = splitUsage(usage, set, notes);
  const { unpriced, pricedAny } = findUnpriced(set, notes);
  const estimated = usesFallbacks(set, notes) || clamped || unpriced.length > 0;
  if (unpriced.length > 0 && !pricedAny) {
    notes?.push('nothing this call used has a price for this model: the cost is unknown (null), not 0');
    return { total: null, breakdown: {}, estimated: true, unpriced };
  }
  const small = set.effectiveSmall;
  const perHour = counts[SLOT.audioSeconds]! > 0 || counts[SLOT.inputAudioSeconds]! > 0;
  if (small && !perHour) {
    const breakdown: Record<string, string> = {};
    let total = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
      const count = counts[slot]!;
      const price = small[slot];
      if (count <= 0 || price === undefined) continue;
      const cost = price * count;
      total += cost;
      if (total > MAX_SAFE) break; // past 2^53 a product may be inexact: redo in BigInt
      breakdown[COST_SLOTS[slot]!] = formatScaled(cost, set.scale);
    }
    if (set.requestSmall !== undefined) {
      total += set.requestSmall;
      breakdown.request = formatScaled(set.requestSmall, set.scale);
    }
    if (total <= MAX_SAFE) return { total: formatScaled(total, set.scale), breakdown, estimated, unpriced };
  }
  return { ...priceWithBigInt(set, perHour, notes), estimated, unpriced };
}

/** Slots with a count and no price; whether any slot with a count (or a request fee) is priced. */
function findUnpriced(set: CompiledPriceSet, notes?: string[]): { unpriced: string[]; pricedAny: boolean } {
  let unpriced = NO_UNPRICED;
  let pricedAny = set.request !== undefined;
  for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
    if (counts[slot]! <= 0) continue;
    if (set.effective[slot] !== undefined) {
      pricedAny = true;
      continue;
    }
    if (unpriced === NO_UNPRICED) unpriced = [];
    unpriced.push(COST_SLOTS[slot]!);
    notes?.push(
      `${counts[slot]} ${describeUnit(COST_SLOTS[slot]!)} have no price for this model ` +
        `(priced by: ${set.pricedBy.join(', ') || 'nothing'}); not charged`,
    );
  }
  return { unpriced, pricedAny };
}

function describeUnit(slot: string): string {
  switch (slot) {
    case 'audioSeconds':
      return 'audio seconds';
    case 'inputAudioSeconds':
      return 'input audio seconds';
    case 'pages':
      return 'pages';
    case 'annotatedPages':
      return 'annotated pages';
    case 'webSearches':
      return 'web searches';
    default:
      return `${slot} tokens`;
  }
}

/** Whether any priced slot with a count uses a fallback known to be wrong; notes say which. */
function usesFallbacks(set: CompiledPriceSet, notes?: string[]): boolean {
  let estimated = false;
  for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
    if (counts[slot]! > 0 && set.guessed[slot]) {
      estimated = true;
      if (notes) describeFallback(slot, notes);
    }
  }
  return estimated;
}

/** Fills `counts` for the usage; true when counts contradicted each other and were clamped. */
function splitUsage(usage: TokenUsage, set: CompiledPriceSet, notes?: string[]): boolean {
  let clamped = false;
  let cachedAudio = usage.cacheAudioRead ?? 0;
  if (cachedAudio > usage.cacheRead) {
    clamped = true;
    notes?.push(`cached audio (${cachedAudio}) exceeds cache reads (${usage.cacheRead}); clamped to cache reads`);
    cachedAudio = usage.cacheRead;
  }
  // Inclusive: the audio input is at least its cached part.
  const audio = Math.max(usage.inputAudio ?? 0, cachedAudio);
  const uncachedAudio = set.splitsInputAudio ? audio - cachedAudio : 0;
  // Cached audio goes to its own price; without one, to the cache-read price; and when cache reads
  // have no price of their own either, it is charged as the audio it is.
  const cachedAudioApart = set.splitsCacheAudioRead ? cachedAudio : 0;
  const cachedAudioAsAudio =
    set.splitsInputAudio && !set.splitsCacheAudioRead && set.own[SLOT.cacheRead] === undefined ? cachedAudio : 0;
  if (set.splitsInputAudio && !set.splitsCacheAudioRead && cachedAudioAsAudio === 0 && cachedAudio > 0) {
    notes?.push('no cached-audio price: cached audio charged at the cache-read price');
  }
  const imageIn = set.splitsInputImage ? (usage.inputImage ?? 0) : 0;
  let uncached = usage.input - usage.cacheRead - usage.cacheWrite - uncachedAudio - imageIn;
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
  counts[SLOT.input] = uncached;
  counts[SLOT.cacheRead] = usage.cacheRead - cachedAudioApart - cachedAudioAsAudio;
  counts[SLOT.cacheWrite] = usage.cacheWrite - write1h;
  counts[SLOT.cacheWrite1h] = write1h;
  counts[SLOT.output] = usage.output - reasoning - audioOut;
  counts[SLOT.reasoning] = reasoning;
  counts[SLOT.inputAudio] = uncachedAudio + cachedAudioAsAudio;
  counts[SLOT.cacheAudioRead] = cachedAudioApart;
  counts[SLOT.outputAudio] = audioOut;
  counts[SLOT.inputImage] = imageIn;
  const inputSeconds = usage.inputAudioSeconds ?? 0;
  const seconds = Math.max(usage.audioSeconds ?? 0, inputSeconds);
  const inputSecondsApart = set.splitsInputAudioSeconds ? inputSeconds : 0;
  counts[SLOT.audioSeconds] = seconds - inputSecondsApart;
  counts[SLOT.inputAudioSeconds] = inputSecondsApart;
  const annotated = usage.annotatedPages ?? 0;
  const pages = Math.max(usage.pages ?? 0, annotated);
  const annotatedApart = set.splitsAnnotatedPages ? annotated : 0;
  counts[SLOT.pages] = pages - annotatedApart;
  counts[SLOT.annotatedPages] = annotatedApart;
  counts[SLOT.webSearches] = usage.webSearches ?? 0;
  return clamped;
}

/**
 * Exact BigInt pricing. Per-hour slots cost `price * seconds / 3600`, which need not terminate
 * (0.111 per hour is 0.0000308333... per second): with them, every cost is computed at
 * PER_HOUR_EXTRA_SCALE more decimal places and a per-hour cost that still does not divide exactly
 * is rounded half-even there, with a note.
 */
function priceWithBigInt(
  set: CompiledPriceSet,
  perHour: boolean,
  notes?: string[],
): { total: string; breakdown: Record<string, string> } {
  const extra = perHour ? PER_HOUR_EXTRA_SCALE : 0;
  const scale = set.scale + extra;
  const lift = 10n ** BigInt(extra);
  const breakdown: Record<string, string> = {};
  let total = 0n;
  let rounded = false;
  for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
    const count = counts[slot]!;
    const price = set.effective[slot];
    if (count <= 0 || price === undefined) continue;
    let cost = price * BigInt(count) * lift;
    if (PER_HOUR_SLOTS.has(slot)) {
      const quotient = cost / 3600n;
      const remainder = cost % 3600n;
      cost = quotient;
      if (remainder !== 0n) {
        rounded = true;
        if (remainder * 2n > 3600n || (remainder * 2n === 3600n && quotient % 2n === 1n)) cost += 1n;
      }
    }
    total += cost;
    breakdown[COST_SLOTS[slot]!] = formatScaled(cost, scale);
  }
  if (set.request !== undefined) {
    total += set.request * lift;
    breakdown.request = formatScaled(set.request * lift, scale);
  }
  if (rounded) {
    notes?.push(`audio priced per hour: the cost of its seconds is rounded half-even to ${scale} decimal places`);
  }
  return { total: formatScaled(total, scale), breakdown };
}

function describeFallback(slot: number, notes: string[]): void {
  const name = COST_SLOTS[slot]!;
  if (name === 'cacheRead') {
    notes.push('no cache-read price: cache reads charged at the input price (providers discount them)');
  } else if (name === 'cacheWrite') {
    notes.push('no cache-write price: cache writes charged at the input price (this provider charges more)');
  }
}
