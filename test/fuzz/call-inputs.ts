import fc from 'fast-check';

/* Arbitrary values a caller might hand the call path: well-formed ones, near misses and garbage. */

const LONE_SURROGATES = ['\uD800', '\uDFFF', 'a\uD83Db', '\uDE00x'];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const NEAR_MISS_KEYS = ['usage', 'system_prompt', 'max_tokens', 'temperature', 'Input', 'prompt', 'tokens', 'status'];

const hugeNumbers = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  1e300,
  -1e300,
  2 ** 53,
  2 ** 53 + 2,
  1e12,
  1e12 + 1,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  0.5,
  -5,
);

const oddStrings = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(...LONE_SURROGATES, '', 'abc', '-5', '1e999', '0.1', ' 1', 'NaN'),
  // NUL, and the private-use character PostgreSQL's store escapes NUL with, alone and as an escape.
  fc.constantFrom('a\u0000b', '\u0000', '\uF8FF', '\uF8FF0', '\uF8FF\uF8FF', 'x\u0000\uF8FF0'),
);

const scalar = fc.oneof(
  fc.integer({ min: -10, max: 1_000_000 }),
  hugeNumbers,
  oddStrings,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
  fc.date({ noInvalidDate: false }),
);

/** An object with own prototype keys, made the way JSON.parse makes them. */
const prototypeKeyed = fc
  .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.integer({ min: 0, max: 100 }))
  .map(([key, value]) => JSON.parse(`{"${key}": ${value}, "input": 1}`) as unknown);

export const garbage: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    prototypeKeyed,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(oddStrings, fc.constantFrom(...PROTOTYPE_KEYS, ...NEAR_MISS_KEYS)), tie('value'), {
      maxKeys: 3,
    }),
  ),
})).value;

const count = fc.oneof(fc.integer({ min: 0, max: 100_000 }), hugeNumbers, fc.integer({ min: -5, max: -1 }), garbage);

/** Token counts in every shape users hold, with wrong values mixed in. */
export const tokens: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ input: count, output: count, cacheRead: count, reasoning: count, total: count }, { requiredKeys: [] }),
  fc.record({ prompt_tokens: count, completion_tokens: count, total_tokens: count }, { requiredKeys: [] }),
  fc.record(
    { input_tokens: count, output_tokens: count, cache_read_input_tokens: count, cache_creation_input_tokens: count },
    { requiredKeys: [] },
  ),
  fc.record(
    { input_tokens: count, output_tokens: count, input_tokens_details: fc.record({ cached_tokens: count }) },
    { requiredKeys: [] },
  ),
  fc.record(
    { promptTokenCount: count, candidatesTokenCount: count, thoughtsTokenCount: count, totalTokenCount: count },
    { requiredKeys: [] },
  ),
  fc.record({ inputTokens: count, outputTokens: count, totalTokens: count }, { requiredKeys: [] }),
  garbage,
);

const text = fc.oneof(fc.string({ maxLength: 12 }), oddStrings);

export const init: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      model: fc.oneof(fc.constantFrom('gpt-4o-mini', 'claude-3-5-haiku-latest', 'unknown-model'), garbage),
      provider: fc.oneof(fc.constantFrom('openai', 'anthropic'), garbage),
      callType: fc.oneof(text, garbage),
      systemPrompt: fc.oneof(text, garbage),
      messages: fc.oneof(fc.array(fc.record({ role: fc.constant('user'), content: fc.oneof(text, garbage) })), garbage),
      tools: garbage,
      params: garbage,
      requestMode: fc.oneof(fc.constantFrom('sync', 'streaming', 'stream'), garbage),
      id: fc.oneof(fc.constantFrom('dup-a', 'dup-b'), garbage),
      userId: fc.oneof(text, garbage),
      tags: fc.oneof(fc.array(text, { maxLength: 3 }), garbage),
      metadata: garbage,
      signal: garbage,
      startedAt: fc.oneof(fc.constantFrom('2025-01-01T00:00:00Z', '+020000-01-01T00:00:00.000Z'), garbage),
      temperature: garbage,
      system_prompt: garbage,
    },
    { requiredKeys: ['model'] },
  ),
  garbage,
);

export const progress: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      appendText: fc.oneof(text, garbage),
      firstToken: garbage,
      tokens,
      responseModel: garbage,
      finishReason: garbage,
      tokenSource: fc.oneof(fc.constantFrom('provider', 'estimate'), garbage),
      responseMessage: garbage,
    },
    { requiredKeys: [] },
  ),
  garbage,
);

export const result: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      tokens,
      responseMessage: fc.oneof(text, fc.record({ role: fc.constant('assistant'), content: garbage }), garbage),
      responseModel: fc.oneof(text, garbage),
      finishReason: fc.oneof(text, garbage),
      tokenSource: fc.oneof(fc.constantFrom('provider', 'tokenizer', 'estimate'), garbage),
      cost: fc.oneof(fc.constantFrom('0.001', '-5', 'abc', '1e-7', '0'), garbage),
      status: fc.oneof(fc.constantFrom('success', 'partial', 'error'), garbage),
      metadata: garbage,
      ttftMs: fc.oneof(fc.integer({ min: -5, max: 5000 }), garbage),
      usage: garbage,
    },
    { requiredKeys: [] },
  ),
  text,
  garbage,
);

export const failure: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      errorType: garbage,
      errorMessage: fc.oneof(text, garbage),
      httpStatus: fc.oneof(fc.integer({ min: 0, max: 700 }), garbage),
      retryAfterMs: garbage,
      tokens,
      partial: garbage,
      metadata: garbage,
    },
    { requiredKeys: [] },
  ),
  garbage,
);

export type Ending =
  | { kind: 'complete'; result: unknown }
  | { kind: 'fail'; error: unknown; details: unknown }
  | { kind: 'cancel'; reason: unknown; details: unknown };

export const ending: fc.Arbitrary<Ending> = fc.oneof(
  fc.record({ kind: fc.constant('complete' as const), result }),
  fc.record({ kind: fc.constant('fail' as const), error: garbage, details: failure }),
  fc.record({ kind: fc.constant('cancel' as const), reason: garbage, details: failure }),
);

export type Entry = 'start' | 'logCall' | 'logSentimentAnalysis' | 'logSummarization' | 'logEmbedding';

/** One call as a caller might make it: how it starts, what it reports, how it ends. */
export const callScript = fc.record({
  entry: fc.constantFrom<Entry>(
    'start',
    'start',
    'logCall',
    'logSentimentAnalysis',
    'logSummarization',
    'logEmbedding',
  ),
  init,
  helperText: garbage,
  updates: fc.array(progress, { maxLength: 2 }),
  ending,
});
export type CallScript = typeof callScript extends fc.Arbitrary<infer T> ? T : never;
