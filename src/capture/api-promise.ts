/**
 * Observes an SDK `APIPromise` (openai-node, @anthropic-ai/sdk) without replacing it: the caller
 * gets the very object the SDK returned, so `.withResponse()`, `.asResponse()`, `._thenUnwrap()`
 * and the SDK's own helpers (`.parse()`, `.stream()`) keep working. Two hooks are installed:
 * - `parseResponse`, which every parse path goes through (then, withResponse, _thenUnwrap), sees
 *   the parsed body or the `Stream` before anyone else does;
 * - a rejection handler on `responsePromise` sees request failures after the SDK's retries, with
 *   the very error instance the application will receive.
 * Anything else that is thenable is observed through `then`, which keeps it a promise.
 */
export interface ResponseObserver {
  /** Sees the parsed result; returns what the application receives (the same object). */
  onData(data: unknown): unknown;
  onError(error: unknown): void;
}

interface SdkApiPromise {
  parseResponse: (this: unknown, client: unknown, props: unknown) => unknown;
  responsePromise: Promise<unknown>;
}

export function isSdkApiPromise(value: unknown): value is SdkApiPromise {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<SdkApiPromise>).parseResponse === 'function' &&
    typeof (value as Partial<SdkApiPromise>).responsePromise?.then === 'function'
  );
}

export function observeResponse<T>(result: T, observer: ResponseObserver): T {
  if (isSdkApiPromise(result)) {
    const parse = result.parseResponse;
    const failed = (error: unknown): never => {
      observer.onError(error);
      throw error;
    };
    // Not an async function: one promise per call instead of three matters where promise hooks
    // are on (OpenTelemetry's context manager on Node 20 makes every promise cost a hook call).
    result.parseResponse = function observedParse(this: unknown, client: unknown, props: unknown) {
      let parsed: unknown;
      try {
        parsed = parse.call(this, client, props);
      } catch (error) {
        return failed(error);
      }
      return parsed instanceof Promise ? parsed.then(observer.onData, failed) : observer.onData(parsed);
    };
    result.responsePromise.then(undefined, observer.onError);
    return result;
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    return (result as PromiseLike<unknown>).then(observer.onData, (error: unknown) => {
      observer.onError(error);
      throw error;
    }) as T;
  }
  return observer.onData(result) as T;
}
