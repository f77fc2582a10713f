import { describe, expect, it } from 'vitest';
import { MessagesStreamAccumulator } from '../../src/capture/anthropic/messages-stream-accumulator.js';
import { ChatStreamAccumulator } from '../../src/capture/openai/chat-stream-accumulator.js';
import { StreamCapture, type StreamAccumulator } from '../../src/capture/stream-capture.js';
import { chatStreamEvents, messageStreamEvents, openaiUsage } from '../support/wire-server/index.js';
import { onlyRecord, testLedger } from './capture-harness.js';

type Chunk = Record<string, unknown>;

/** Parsed chunks as the SDK yields them: fresh objects from the wire text, usage chunk last. */
function wireChunks(options: { includeUsage: boolean }): Chunk[] {
  const events = chatStreamEvents(
    { content: ['Hel', 'lo ', 'there', '!'], usage: openaiUsage(12, 4) },
    options.includeUsage,
  );
  return events
    .filter((event) => typeof event.data !== 'string')
    .map((event) => JSON.parse(JSON.stringify(event.data)));
}

/** An SDK-like iterator that keeps every promise it hands out, and can fail on a given read. */
function sdkIterator(chunks: Chunk[], failOnRead?: { read: number; error: Error }) {
  const handedOut: Array<Promise<IteratorResult<Chunk>>> = [];
  let index = 0;
  const iterator: AsyncIterator<Chunk> = {
    next() {
      const read = index + 1;
      const promise =
        failOnRead && read === failOnRead.read
          ? Promise.reject(failOnRead.error)
          : Promise.resolve(
              index < chunks.length
                ? { done: false as const, value: chunks[index++]! }
                : { done: true as const, value: undefined },
            );
      handedOut.push(promise);
      return promise;
    },
  };
  return { iterator, handedOut };
}

function setup(failOpen = true) {
  const ledger = testLedger({ failOpen });
  const call = ledger.start({ model: 'gpt-4o-mini', provider: 'openai', requestMode: 'streaming' });
  const capture = (accumulator: StreamAccumulator<Chunk>) =>
    new StreamCapture<Chunk>(call, accumulator, { idleTimeoutMs: 0, failClosed: !failOpen });
  return { ledger, capture };
}

/** Reads like `for await`, keeping each promise the application was given. */
async function readAll(iterator: AsyncIterator<Chunk>) {
  const given: Array<Promise<IteratorResult<Chunk>>> = [];
  const seen: Chunk[] = [];
  for (;;) {
    const promise = iterator.next();
    given.push(promise);
    const result = await promise;
    if (result.done) break;
    seen.push(result.value);
  }
  return { given, seen };
}

describe('stream chunks are read beside the application when capture will not change them', () => {
  it('reads beside the application between the first chunk and the finish reason, swapping in copies without `usage`', async () => {
    const { ledger, capture } = setup();
    const sdk = sdkIterator(wireChunks({ includeUsage: true }));
    const { given, seen } = await readAll(capture(new ChatStreamAccumulator(true)).iterate(sdk.iterator));

    // Chunks: role, four pieces, finish, then the usage-only chunk, which is hidden.
    expect(seen).toStrictEqual(wireChunks({ includeUsage: false }));
    expect(seen.every((chunk) => !('usage' in chunk))).toBe(true);
    // Nothing is known before the first chunk, and after the finish reason the next chunk may be
    // the one to hide: those reads are in front; the others hand out the SDK's own promises.
    const same = given.map((promise) => sdk.handedOut.includes(promise));
    expect(same).toEqual([false, true, true, true, true, true, false]);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      status: 'success',
      tokenSource: 'provider',
      responseMessage: { content: 'Hello there!' },
    });
    expect(record.tokens).toMatchObject({ input: 12, output: 4 });
    expect(record.ttftMs).not.toBeNull();
  });

  it('leaves a chunk in a frozen result as it is, without throwing into the application', async () => {
    const { ledger, capture } = setup();
    const chunks = wireChunks({ includeUsage: true });
    let index = 0;
    const frozen: AsyncIterator<Chunk> = {
      next: () =>
        Promise.resolve(
          Object.freeze(
            index < chunks.length ? { done: false, value: chunks[index++]! } : { done: true, value: undefined },
          ),
        ) as Promise<IteratorResult<Chunk>>,
    };
    const { seen } = await readAll(capture(new ChatStreamAccumulator(true)).iterate(frozen));

    // The first chunk is read in front and copied; the ones read beside keep their `usage: null`.
    expect(seen[0]).not.toHaveProperty('usage');
    expect(seen[1]).toHaveProperty('usage', null);
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 12, output: 4 });
  });

  it('reads every chunk beside the application that asked for usage itself', async () => {
    const { ledger, capture } = setup();
    const sdk = sdkIterator(wireChunks({ includeUsage: true }));
    const { given, seen } = await readAll(capture(new ChatStreamAccumulator(false)).iterate(sdk.iterator));

    expect(seen).toEqual(wireChunks({ includeUsage: true }));
    expect(given.every((promise) => sdk.handedOut.includes(promise))).toBe(true);
    expect((await onlyRecord(ledger)).tokens).toMatchObject({ input: 12, output: 4 });
  });

  it('reads Anthropic events beside the application: nothing is ever hidden there', async () => {
    const { ledger, capture } = setup();
    const events = messageStreamEvents({ textPieces: ['Hi', ' there'], usage: { input: 9, output: 2 } })
      .filter((event) => typeof event.data !== 'string')
      .map((event) => JSON.parse(JSON.stringify(event.data)) as Chunk);
    const sdk = sdkIterator(events);
    const { given, seen } = await readAll(capture(new MessagesStreamAccumulator()).iterate(sdk.iterator));

    expect(seen).toEqual(events);
    expect(given.every((promise) => sdk.handedOut.includes(promise))).toBe(true);
    const record = await onlyRecord(ledger);
    expect(record.tokens).toMatchObject({ input: 9, output: 2 });
    expect(record.responseMessage?.content).toBe('Hi there');
  });

  it('rejects a failed read with the very error, records it once, and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { ledger, capture } = setup();
      const dropped = Object.assign(new Error('terminated'), { name: 'TypeError' });
      const sdk = sdkIterator(wireChunks({ includeUsage: true }), { read: 3, error: dropped });
      const iterator = capture(new ChatStreamAccumulator(false)).iterate(sdk.iterator);
      await iterator.next();
      await iterator.next();
      const failed = iterator.next();
      expect(sdk.handedOut).toContain(failed);
      await expect(failed).rejects.toBe(dropped);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      const record = await onlyRecord(ledger);
      expect(record).toMatchObject({ status: 'error', partial: true, responseMessage: { content: 'Hel' } });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('reads everything in front for a fail-closed ledger, whose refusals must reach the application', async () => {
    const { ledger, capture } = setup(false);
    const sdk = sdkIterator(wireChunks({ includeUsage: true }));
    const { given } = await readAll(capture(new ChatStreamAccumulator(false)).iterate(sdk.iterator));

    expect(given.some((promise) => sdk.handedOut.includes(promise))).toBe(false);
    expect((await onlyRecord(ledger)).status).toBe('success');
  });

  it('rejects the last read with a fail-closed ledger’s refusal of the usage; a fail-open one clamps it', async () => {
    // More cached tokens than input tokens: the ledger refuses (fail-closed) or clamps (fail-open).
    const badUsage = { ...openaiUsage(5, 2), prompt_tokens_details: { cached_tokens: 9 } };
    const chunks = () =>
      wireChunks({ includeUsage: true }).map((chunk) => (chunk.usage ? { ...chunk, usage: badUsage } : chunk));

    const strict = setup(false);
    const refused = readAll(strict.capture(new ChatStreamAccumulator(false)).iterate(sdkIterator(chunks()).iterator));
    await expect(refused).rejects.toThrow(/cacheRead \(9\) exceeds input \(5\)/);

    const lenient = setup(true);
    const { seen } = await readAll(
      lenient.capture(new ChatStreamAccumulator(false)).iterate(sdkIterator(chunks()).iterator),
    );
    expect(seen).toHaveLength(chunks().length);
    expect((await onlyRecord(lenient.ledger)).tokens).toMatchObject({ input: 5, cacheRead: 5 });
  });

  it('accepts an iterator whose next() returns plain results instead of promises', async () => {
    const { ledger, capture } = setup();
    const chunks = wireChunks({ includeUsage: false });
    let index = 0;
    const plain = {
      next: () => (index < chunks.length ? { done: false, value: chunks[index++]! } : { done: true, value: undefined }),
    } as unknown as AsyncIterator<Chunk>;
    const { seen } = await readAll(capture(new ChatStreamAccumulator(false)).iterate(plain));

    expect(seen).toEqual(chunks);
    expect((await onlyRecord(ledger)).responseMessage?.content).toBe('Hello there!');
  });
});
