import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_COST_INTEGER_DIGITS, MAX_COST_SCALE } from '../../src/core/caller-cost.js';
import type { CallInit, CallResult, FailureDetails } from '../../src/core/call.js';
import { ValidationError } from '../../src/core/errors.js';
import { formatDecimal, parseDecimal } from '../../src/core/money.js';
import type { CallRecord } from '../../src/core/record.js';
import { createPricer } from '../../src/pricing/index.js';
import { testLedger, type TestLedger } from './support.js';

/* Issue 17, the call path: no silent wrong record. Each example of the issue, old and new behaviour. */

const ledgers: TestLedger[] = [];
function setup(options: Parameters<typeof testLedger>[0] = {}): TestLedger {
  const made = testLedger(options);
  ledgers.push(made);
  return made;
}
afterEach(async () => {
  for (const { ledger } of ledgers.splice(0)) await ledger.close().catch(() => undefined);
});

/** A fail-open ledger with the real price catalog, and the problems it reported through onError. */
function priced(): TestLedger & { reported: string[] } {
  const reported: string[] = [];
  const made = setup({ pricer: createPricer(), onError: (problem) => reported.push(String(problem.error)) });
  return { ...made, reported };
}

const anyResult = (value: unknown) => value as CallResult;
const problemsOf = (record: CallRecord) => (record.problems ?? []).join('\n');

describe('token shapes', () => {
  it.each<[string, unknown, Partial<Record<string, number>>]>([
    ['ours', { input: 100, output: 50 }, { input: 100, output: 50, total: 150 }],
    [
      'OpenAI Chat Completions',
      { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
      { input: 100, output: 50 },
    ],
    [
      'OpenAI Responses',
      { input_tokens: 100, output_tokens: 50, total_tokens: 150, input_tokens_details: { cached_tokens: 40 } },
      { input: 100, output: 50, cacheRead: 40 },
    ],
    [
      "Anthropic's raw usage (exclusive input)",
      { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 300, cache_creation_input_tokens: 0 },
      { input: 400, output: 50, cacheRead: 300 },
    ],
    ['Anthropic without cache keys', { input_tokens: 100, output_tokens: 50 }, { input: 100, output: 50 }],
    [
      "Gemini's usageMetadata",
      { promptTokenCount: 100, candidatesTokenCount: 50, thoughtsTokenCount: 10, totalTokenCount: 160 },
      { input: 100, output: 60, reasoning: 10, total: 160 },
    ],
    [
      "the AI SDK's usage",
      { inputTokens: 100, outputTokens: 50, totalTokens: 150, cachedInputTokens: 20, reasoningTokens: 5 },
      { input: 100, output: 50, cacheRead: 20, reasoning: 5 },
    ],
  ])('%s is converted and priced', (_label, tokens, expected) => {
    const { ledger } = priced();
    const record = ledger.start({ model: 'gpt-4o-mini', provider: 'openai' }).complete({ tokens: tokens as never });
    expect(record.tokens).toMatchObject(expected);
    expect(record.tokenSource).toBe('provider');
    expect(record.problems).toBeUndefined();
    expect(record.cost?.status).toBe('priced');
    expect(record.cost?.total).not.toBe('0');
  });

  it.each<[string, unknown, RegExp]>([
    [
      'usage instead of tokens',
      { usage: { prompt_tokens: 100 } },
      /unknown key "usage" in complete\(\)\. Did you mean "tokens"\?/,
    ],
    ['{ prompt, completion }', { tokens: { prompt: 100, completion: 50 } }, /unknown key "prompt" in tokens/],
    ['null tokens', { tokens: null }, /expected an object of token counts .* got null/],
    ["'abc' tokens", { tokens: 'abc' }, /got a string \("abc"\)/],
    ['[] tokens', { tokens: [] }, /got an array/],
    [
      '{ Input: 100 }',
      { tokens: { Input: 100 } },
      /unknown key "Input" in tokens; it is ignored\. Did you mean "input"\?/,
    ],
  ])('%s: no usage, unpriced, the problem listed (never 0 tokens priced at 0)', (_label, result, problem) => {
    const { ledger, reported } = priced();
    const record = ledger.start({ model: 'gpt-4o-mini', provider: 'openai' }).complete(anyResult(result));
    expect(record.tokenSource).toBeNull();
    expect(record.cost).toBeNull();
    expect(problemsOf(record)).toMatch(problem);
    expect(reported.join('\n')).toMatch(problem);
    expect(ledger.stats().invalidInput).toBeGreaterThan(0);
  });

  it('fail-closed: each of them is a ValidationError naming the key', () => {
    const { ledger } = setup({ failOpen: false });
    expect(() => ledger.start({ model: 'm' }).complete(anyResult({ usage: {} }))).toThrow(ValidationError);
    expect(() => ledger.start({ model: 'm' }).complete(anyResult({ tokens: { Input: 100 } }))).toThrow(
      /Invalid tokens: unknown key "Input"/,
    );
    expect(() => ledger.start({ model: 'm' }).complete(anyResult({ tokens: 'abc' }))).toThrow(ValidationError);
  });

  it('only a total: counted as input and the cost is estimated, not 0', () => {
    const { ledger } = priced();
    const record = ledger.start({ model: 'gpt-4o-mini', provider: 'openai' }).complete({ tokens: { total: 1000 } });
    expect(record.tokens).toMatchObject({ input: 1000, output: 0, total: 1000 });
    expect(record.tokenSource).toBe('estimate');
    expect(record.cost?.status).toBe('estimated');
    expect(record.cost?.total).not.toBe('0');
  });

  it('a count above the ceiling is refused, never a 300-digit cost', () => {
    const { ledger } = priced();
    const record = ledger
      .start({ model: 'gpt-4o-mini', provider: 'openai' })
      .complete({ tokens: { input: 1e300, output: 5 } });
    expect(record.tokens.input).toBe(0);
    expect(problemsOf(record)).toMatch(/input \(1e\+300\) is above the ceiling of 1000000000000 tokens per call/);
    expect(record.cost?.total?.length ?? 0).toBeLessThan(30);
  });
});

describe('caller-supplied costs', () => {
  it.each<[string, unknown]>([
    ["{ total: 'abc' }", { total: 'abc' }],
    ['null', null],
    ['{}', {}],
    ["'-5'", '-5'],
    ['a 40-digit amount', '1'.repeat(40)],
    ['too many decimals', `0.${'1'.repeat(30)}`],
  ])('%s is dropped and the call priced from the catalog, the problem listed', (_label, cost) => {
    const { ledger } = priced();
    const record = ledger
      .start({ model: 'gpt-4o-mini', provider: 'openai' })
      .complete(anyResult({ tokens: { input: 10, output: 5 }, cost }));
    expect(record.cost?.pricingVersion).not.toBe('caller');
    expect(record.cost?.status).toBe('priced');
    expect(problemsOf(record)).toMatch(/^cost: .*priced from the catalog instead/m);
  });

  it('fail-closed: refused with a ValidationError', () => {
    const { ledger } = setup({ failOpen: false });
    expect(() => ledger.start({ model: 'm' }).complete(anyResult({ cost: { total: 'abc' } }))).toThrow(
      /Invalid cost: cost.total "abc" is not a decimal amount/,
    );
  });

  it('a valid cost is kept, in canonical form', () => {
    const { ledger } = setup();
    expect(ledger.start({ model: 'm' }).complete({ cost: '0.50' }).cost?.total).toBe('0.5');
    expect(ledger.start({ model: 'm' }).complete({ cost: 1.5e-7 }).cost?.total).toBe('0.00000015');
  });

  it('any decimal string gives the same cost as its parsed and formatted form, or is refused', () => {
    const { ledger } = setup();
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+'), digits(17), fc.option(digits(22)))
      .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}`);
    fc.assert(
      fc.property(decimal, (text) => {
        const total = ledger.start({ model: 'm' }).complete({ cost: text }).cost?.total;
        let expected: string | undefined;
        try {
          const parsed = parseDecimal(text);
          const formatted = formatDecimal(parsed);
          const wholeDigits = formatted.split('.')[0]!.length;
          if (parsed.units >= 0n && parsed.scale <= MAX_COST_SCALE && wholeDigits <= MAX_COST_INTEGER_DIGITS)
            expected = formatted;
        } catch {
          expected = undefined;
        }
        expect(total ?? undefined).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('other fields of complete()', () => {
  it("status: 'error' is not recorded as a success", () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete(anyResult({ status: 'error' }));
    expect(record.status).toBe('error');
    expect(problemsOf(record)).toMatch(
      /status: complete\(\) records a success or a partial stream; "error" was given: call fail\(error\) instead/,
    );
    expect(() =>
      setup({ failOpen: false })
        .ledger.start({ model: 'm' })
        .complete(anyResult({ status: 'error' })),
    ).toThrow(ValidationError);
  });

  it('a negative ttftMs is not stored', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete({ ttftMs: -5 });
    expect(record.ttftMs).toBeNull();
    expect(problemsOf(record)).toMatch(/^ttftMs: expected a duration/m);
  });

  it('objects for responseModel, systemPrompt and errorType are refused, not stored as "[object Object]"', () => {
    const { ledger } = setup();
    const record = ledger
      .start({ model: 'm', systemPrompt: { a: 1 } } as unknown as CallInit)
      .complete(anyResult({ responseModel: { b: 2 } }));
    expect(record.systemPrompt).toBeNull();
    expect(record.responseModel).toBeNull();
    const failed = ledger
      .start({ model: 'm' })
      .fail(new Error('x'), { errorType: { c: 3 } } as unknown as FailureDetails);
    expect(failed.errorType).toBe('Error');
    expect(JSON.stringify([record, failed])).not.toContain('[object Object]');
    expect(problemsOf(record)).toMatch(/systemPrompt: expected a string, got an object/);
    expect(problemsOf(failed)).toMatch(/errorType: expected a string, got an object/);
  });

  it("complete('text') keeps the text as the response", () => {
    const { ledger } = setup();
    expect(ledger.start({ model: 'm' }).complete('hello').responseMessage).toEqual({
      role: 'assistant',
      content: 'hello',
    });
  });
});

describe('start()', () => {
  it('top-level temperature, max_tokens and system_prompt are reported with where they belong', () => {
    const { ledger } = setup();
    const record = ledger
      .start({ model: 'm', temperature: 0.2, max_tokens: 10, system_prompt: 'be brief' } as unknown as CallInit)
      .complete();
    const problems = problemsOf(record);
    expect(problems).toMatch(
      /temperature: unknown key "temperature" in start\(\)\. Did you mean "params\.temperature"\?/,
    );
    expect(problems).toMatch(/max_tokens: .*Did you mean "params\.maxTokens"\?/);
    expect(problems).toMatch(/system_prompt: .*Did you mean "systemPrompt"\? Known keys: model, provider/);
    expect(() =>
      setup({ failOpen: false }).ledger.start({ model: 'm', system_prompt: 'x' } as unknown as CallInit),
    ).toThrow(/Invalid system_prompt: unknown key "system_prompt" in start\(\)\. Did you mean "systemPrompt"\?/);
  });

  it("requestMode: 'stream' is refused with a did-you-mean, not silently sync", () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm', requestMode: 'stream' } as unknown as CallInit).complete();
    expect(problemsOf(record)).toMatch(
      /requestMode: expected "sync" or "streaming", got "stream"\. Did you mean "streaming"\?/,
    );
  });

  it('two calls with the same caller id: the second is recorded under a new id, listed and counted', async () => {
    const { ledger, store } = setup();
    ledger.start({ model: 'm', id: 'dup-1' }).complete();
    const second = ledger.start({ model: 'm', id: 'dup-1' }).complete();
    expect(second.id).not.toBe('dup-1');
    expect(problemsOf(second)).toMatch(/id: "dup-1" was already used by another call of this ledger/);
    await ledger.flush();
    expect(ledger.stats()).toMatchObject({ written: 2, duplicateIds: 1 });
    expect(await store.get('dup-1')).not.toBeNull();
    expect(await store.get(second.id)).toMatchObject({ problems: second.problems });
    expect(() => {
      const closed = setup({ failOpen: false }).ledger;
      closed.start({ model: 'm', id: 'dup-2' }).complete();
      closed.start({ model: 'm', id: 'dup-2' });
    }).toThrow(/Invalid id: "dup-2" was already used/);
  });
});

describe('fail-open never throws on the caller path', () => {
  it('fail(err, { errorMessage: 123 }), fail(err, null), complete(null), update(null), start({ signal: {} })', () => {
    const { ledger } = setup();
    const failed = ledger
      .start({ model: 'm' })
      .fail(new Error('boom'), { errorMessage: 123 } as unknown as FailureDetails);
    expect(failed.errorMessage).toBe('boom');
    expect(ledger.start({ model: 'm' }).fail(new Error('x'), null as unknown as FailureDetails).status).toBe('error');
    expect(ledger.start({ model: 'm' }).complete(null as unknown as CallResult).status).toBe('success');
    const call = ledger.start({ model: 'm', signal: {} } as unknown as CallInit);
    expect(() => call.update(null as unknown as Parameters<typeof call.update>[0])).not.toThrow();
    expect(problemsOf(call.complete())).toMatch(/signal: expected an AbortSignal, got an object/);
  });

  it('inside logCall the application gets its own result, and the record lists the problem', async () => {
    const { ledger } = setup();
    let record: CallRecord | undefined;
    const value = await ledger.logCall({ model: 'm' }, (call) => {
      record = call.complete(null as unknown as CallResult);
      return 'mine';
    });
    expect(value).toBe('mine');
    expect(record?.errorMessage).toBeNull();
    expect(problemsOf(record!)).toMatch(/complete\(\): expected an object, got null/);
  });
});

describe('documented sanitization is reported', () => {
  it('a 10 MB field is cut and reported; fail-closed, refused', () => {
    const { ledger, logger } = setup();
    const big = 'x'.repeat(10_000_000);
    const record = ledger.start({ model: 'm', systemPrompt: big }).complete();
    expect(record.systemPrompt?.length).toBeLessThan(1_100_000);
    expect(problemsOf(record)).toMatch(/systemPrompt: a string of 10000000 characters is cut to maxFieldChars/);
    expect(logger.problems('cut to maxFieldChars')).toHaveLength(1);
    expect(() => setup({ failOpen: false }).ledger.start({ model: 'm', systemPrompt: big })).toThrow(ValidationError);
  });

  it('lone surrogates are replaced and reported; fail-closed, refused', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm', messages: [{ role: 'user', content: 'a\uD800b' }] }).complete('c\uDC00');
    expect(record.messages).toEqual([{ role: 'user', content: 'a\uFFFDb' }]);
    expect(record.responseMessage?.content).toBe('c\uFFFD');
    expect(problemsOf(record)).toMatch(/messages: lone UTF-16 surrogates/);
    expect(problemsOf(record)).toMatch(/responseMessage: lone UTF-16 surrogates/);
    expect(() =>
      setup({ failOpen: false }).ledger.start({ model: 'm', messages: [{ role: 'user', content: '\uD800' }] }),
    ).toThrow(ValidationError);
  });
});

describe('tool calls logged by hand', () => {
  it("OpenAI's raw tool_calls are stored as toolCalls, as the SDK wrappers store them", () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm' }).complete({
      responseMessage: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: { q: 'x' } } }],
      },
    });
    expect(record.responseMessage).toEqual({
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
    });
  });
});

describe('typed helpers and wrap defaults', () => {
  it('a null init is reported, not a TypeError', () => {
    const { ledger } = setup();
    expect(() => ledger.logSentimentAnalysis(null as never).complete()).not.toThrow();
    expect(() => ledger.logEmbedding({ model: 'm', input: 5 } as never).complete()).not.toThrow();
    expect(ledger.stats().invalidInput).toBeGreaterThan(0);
  });

  it('unknown keys of a typed helper are named', () => {
    const { ledger } = setup();
    const record = ledger.logSummarization({ model: 'm', text: 't', max_tokens: 5 } as never).complete();
    expect(problemsOf(record)).toMatch(/max_tokens: unknown key "max_tokens"/);
  });

  it('wrap(client, defaults) names an unknown default', () => {
    const { ledger } = setup();
    const client = { chat: { completions: { create: async () => ({}) } }, baseURL: 'http://x', apiKey: 'k' };
    const errors: string[] = [];
    const closed = setup({ failOpen: false, onError: (problem) => errors.push(String(problem.error)) }).ledger;
    expect(() => closed.wrap(client, { user_id: 'u' } as never)).toThrow(/Did you mean "userId"\?/);
    void ledger;
  });
});
