import type { StreamCapture } from './stream-capture.js';

/**
 * Instruments an SDK `Stream` in place (openai-node, @anthropic-ai/sdk): the object keeps its
 * class, its `controller`, `tee()` and `toReadableStream()`, because all of them read chunks
 * through the instance's `iterator` factory, which is the one thing replaced.
 */
export function instrumentSdkStream<S extends object, Chunk>(stream: S, capture: StreamCapture<Chunk>): S {
  const target = stream as { iterator?: () => AsyncIterator<Chunk>; controller?: unknown };
  capture.watchController(target.controller);
  if (typeof target.iterator === 'function') {
    const factory = target.iterator;
    target.iterator = function capturedIterator(this: unknown) {
      return capture.iterate(factory.call(this));
    };
    return stream;
  }
  const iterable = stream as Partial<AsyncIterable<Chunk>>;
  const iterate = iterable[Symbol.asyncIterator];
  if (typeof iterate === 'function') {
    Object.defineProperty(stream, Symbol.asyncIterator, {
      value: function capturedAsyncIterator(this: unknown) {
        return capture.iterate(iterate.call(this));
      },
      configurable: true,
      writable: true,
    });
  }
  return stream;
}

/**
 * Instruments an async generator in place (`@google/genai` streams): `next`, `return` and `throw`
 * become own properties, so `for await`, which reads them from the object, goes through capture
 * while the object stays the one the SDK returned.
 */
export function instrumentAsyncGenerator<G extends AsyncGenerator<Chunk>, Chunk>(
  generator: G,
  capture: StreamCapture<Chunk>,
  signal?: AbortSignal,
): G {
  capture.watchSignal(signal);
  const captured = capture.iterate({
    next: generator.next.bind(generator),
    return: generator.return.bind(generator),
    throw: generator.throw.bind(generator),
  });
  for (const key of ['next', 'return', 'throw'] as const) {
    Object.defineProperty(generator, key, { value: captured[key], configurable: true, writable: true });
  }
  return generator;
}
