import type { CommitEntry, CounterRef } from '../backend.js';
import { ttlMs } from '../counters/counter-refs.js';

/** Sums at most this long (sign included) are added exactly as doubles by the script: |x| < 10^15. */
const MAX_DELTA_LENGTH = 15;

interface CounterSums {
  key: string;
  /** TTL of the first entry on the counter: the one that creates it when it has no requests yet. */
  ttlMs: number;
  releasedRequests: bigint;
  deltas: Map<string, bigint>;
}

/**
 * The arguments of COMMIT_FAST_SCRIPT for a batch: every entry's usage and released reservation
 * summed per counter, here rather than in Lua. Undefined when the batch is not of the usual shape
 * the script's shortcut is exact for (COMMIT_SCRIPT handles any batch): an entry that releases
 * only, has a rate-limit adjustment, a reservation held on a counter its usage does not go to
 * (or not known to the process) or past its expiry, usage not led by a positive request count; an id or a
 * reservation twice in the batch; different applied-id TTLs; a sum too large for a double.
 */
export function fastCommitCall(
  entries: readonly CommitEntry[],
  now: number,
  keyPrefix: string,
  counterPrefix: string,
  reservationsKey: string,
): { keys: string[]; args: string[] } | undefined {
  const applyTtl = entries[0]!.applyTtlMs;
  const ids = new Set<string>();
  const reservations: string[] = [];
  const sums = new Map<string, CounterSums>();
  /** Per entry, the counter keys its usage goes to: the value of its applied-id key. */
  const covered: string[] = [];
  for (const entry of entries) {
    if (entry.applyId === null || entry.counting || entry.applyTtlMs !== applyTtl || entry.rateAdjustments.length > 0)
      return undefined;
    if (ids.has(entry.applyId)) return undefined;
    ids.add(entry.applyId);
    const usage = entry.usage;
    if (usage.length === 0 || usage[0]![0] !== 'requests' || usage[0]![1] <= 0n) return undefined;
    const counters = live(entry.counters, now);
    if (counters.length === 0 || hasDuplicateKey(counters)) return undefined;
    let reached = '';
    for (const counter of counters)
      reached += reached === '' ? counterPrefix + counter.key : `\n${counterPrefix}${counter.key}`;
    covered.push(reached);
    let held: readonly string[] | undefined;
    let amounts: { cost: bigint; tokens: bigint; requests: bigint } | undefined;
    if (entry.reservation !== '') {
      // The slow script's release from the reservation text (reserved on counters the usage does not
      // go to), and a release of no requests (which checks existence instead), stay with it.
      const reserved = entry.reserved;
      if (!reserved || reserved.amounts.requests <= 0n || !coversAll(reserved.keys, counters)) return undefined;
      // Expired: perhaps swept already, which the fast script would decline a round trip later,
      // after reserves sent meanwhile; the full script takes it in order instead.
      if (reserved.expiresAtMs !== undefined && reserved.expiresAtMs <= now) return undefined;
      held = reserved.keys;
      amounts = reserved.amounts;
      reservations.push(entry.reservation);
    }
    for (const counter of counters) {
      let sum = sums.get(counter.key);
      if (!sum) {
        sum = { key: counter.key, ttlMs: ttlMs(counter, now), releasedRequests: 0n, deltas: new Map() };
        sums.set(counter.key, sum);
      }
      const deltas = sum.deltas;
      if (amounts && held!.includes(counter.key)) {
        sum.releasedRequests += amounts.requests;
        // As the slow script: a zero amount leaves its field alone (not even created).
        if (amounts.cost !== 0n) deltas.set('reservedCost', (deltas.get('reservedCost') ?? 0n) - amounts.cost);
        if (amounts.tokens !== 0n) deltas.set('reservedTokens', (deltas.get('reservedTokens') ?? 0n) - amounts.tokens);
        deltas.set('reservedRequests', (deltas.get('reservedRequests') ?? 0n) - amounts.requests);
      }
      for (const [field, delta] of usage) deltas.set(field, (deltas.get(field) ?? 0n) + delta);
    }
  }
  if (new Set(reservations).size !== reservations.length) return undefined;
  const keys = [reservationsKey];
  for (const id of ids) keys.push(`${keyPrefix}applied:${id}`);
  const args = [
    String(entries.length),
    String(reservations.length),
    String(sums.size),
    String(Math.max(1, Math.ceil(applyTtl))),
  ];
  for (const reservation of reservations) args.push(reservation);
  for (const sum of sums.values()) {
    keys.push(counterPrefix + sum.key);
    let text = `${sum.ttlMs}\n${sum.releasedRequests}\n`;
    let first = true;
    for (const [field, delta] of sum.deltas) {
      const value = String(delta);
      if (value.length > MAX_DELTA_LENGTH) return undefined;
      text += first ? `${field},${value}` : `,${field},${value}`;
      first = false;
    }
    args.push(text);
  }
  for (const reached of covered) args.push(reached);
  return { keys, args };
}

/** The counters not past their retention (a late replay does not recreate them); as given when none is. */
function live(counters: readonly CounterRef[], now: number): readonly CounterRef[] {
  for (const counter of counters) {
    if (counter.expiresAtMs <= now) return counters.filter((each) => each.expiresAtMs > now);
  }
  return counters;
}

/** A counter listed twice; a loop rather than a Set: entries have a few counters. */
function hasDuplicateKey(counters: readonly CounterRef[]): boolean {
  if (counters.length > 16) return new Set(counters.map((counter) => counter.key)).size !== counters.length;
  for (let i = 1; i < counters.length; i++) {
    const key = counters[i]!.key;
    for (let j = 0; j < i; j++) if (counters[j]!.key === key) return true;
  }
  return false;
}

function coversAll(reservedKeys: readonly string[], counters: readonly CounterRef[]): boolean {
  for (const key of reservedKeys) if (!counters.some((counter) => counter.key === key)) return false;
  return reservedKeys.length > 0;
}
