/**
 * One cached answer: what the provider returned for a request, enough to give the application the
 * same object again and to name what the hit saved. Serialized as JSON into a `CacheBackend`.
 */
export interface CachedResponse {
  /** Format version; entries of another version are treated as misses. */
  v: 1;
  provider: string;
  model: string;
  /** A streamed answer keeps its chunks in order; a non-streamed one its body. */
  streamed: boolean;
  /** The response body as the SDK parsed it (non-streamed), or raw text for byte-level callers. */
  body?: unknown;
  /** The stream's chunks as the application received them (streamed). */
  chunks?: unknown[];
  /** Content type of `body` or of the stream, for callers that replay bytes (a proxy). */
  contentType?: string;
  /** What the original call cost: an exact decimal string in `currency`, null when unpriced. */
  cost: string | null;
  currency: string;
  /** The original call's token counts, for reports of what hits saved. */
  tokens?: { input: number; output: number };
  /** The id of the call whose answer this is. */
  sourceCallId?: string;
  /** ISO 8601 time the answer was stored. */
  storedAt: string;
}

export const CACHED_RESPONSE_VERSION = 1;

export function encodeCachedResponse(entry: CachedResponse): string {
  return JSON.stringify(entry);
}

/** The entry, or undefined when the text is not one this version wrote (treated as a miss). */
export function decodeCachedResponse(text: string): CachedResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Partial<CachedResponse>;
  if (entry.v !== CACHED_RESPONSE_VERSION || typeof entry.provider !== 'string') return undefined;
  if (typeof entry.streamed !== 'boolean') return undefined;
  if (entry.streamed ? !Array.isArray(entry.chunks) : !('body' in entry)) return undefined;
  return entry as CachedResponse;
}
