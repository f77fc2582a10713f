import { afterEach, describe, expect, it } from 'vitest';
import type { CallInit, CallResult } from '../../src/core/call.js';
import { ValidationError } from '../../src/core/errors.js';
import { capText, isPlainJson, toPlain, toSafeJson, truncationMarker } from '../../src/core/sanitize.js';
import { normalizeTokenCounts, type TokenCountsInput } from '../../src/core/token-input.js';
import { testLedger, type TestLedger } from './support.js';

let current: TestLedger | undefined;
function setup(options: Parameters<typeof testLedger>[0] = {}): TestLedger {
  current = testLedger(options);
  return current;
}
afterEach(async () => {
  const ledger = current?.ledger;
  current = undefined;
  await ledger?.close().catch(() => undefined);
});

const LONE_HIGH = '\uD83D';
const LONE_LOW = '\uDE00';

describe('token counts', () => {
  it.each<[string, TokenCountsInput, Partial<Record<string, number>>, RegExp]>([
    ['negative', { input: -5, output: 3 }, { input: 0, output: 3, total: 3 }, /input is negative/],
    ['NaN', { input: Number.NaN, output: 3 }, { input: 0, output: 3 }, /input is not a finite number \(NaN\)/],
    ['Infinity', { output: Number.POSITIVE_INFINITY }, { output: 0 }, /output is not a finite number/],
    ['fractional', { input: 10.6, output: 2.2 }, { input: 11, output: 2, total: 13 }, /input is not an integer/],
    ['a numeric string', { input: '12' as unknown as number }, { input: 0 }, /input is not a finite number \("12"\)/],
    ['BigInt', { input: 12n as unknown as number }, { input: 12, total: 12 }, /input is a BigInt \(12\)/],
    ['negative BigInt', { input: -1n as unknown as number }, { input: 0 }, /input is negative/],
    ['cacheRead > input', { input: 10, cacheRead: 50 }, { input: 10, cacheRead: 10 }, /cacheRead \(50\) exceeds input/],
    [
      'cacheRead + cacheWrite > input',
      { input: 10, cacheRead: 6, cacheWrite: 6 },
      { cacheRead: 6, cacheWrite: 4 },
      /cacheWrite clamped/,
    ],
    ['reasoning > output', { output: 5, reasoning: 9 }, { output: 5, reasoning: 5 }, /reasoning \(9\) exceeds output/],
    [
      'OpenAI details larger than their totals',
      { prompt_tokens: 4, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens: 1 },
      { input: 4, cacheRead: 4, output: 1 },
      /cacheRead \(8\) exceeds input/,
    ],
  ])('%s is sanitized and reported', (_label, input, expected, problem) => {
    const normalized = normalizeTokenCounts(input);
    expect(normalized.tokens).toMatchObject(expected);
    expect(normalized.problems.join('\n')).toMatch(problem);
  });

  it('valid counts report nothing', () => {
    expect(normalizeTokenCounts({ input: 10, cacheRead: 5, cacheWrite: 5, output: 4, reasoning: 4 }).problems).toEqual(
      [],
    );
  });

  it('a total smaller than input + output is replaced by the sum', () => {
    expect(normalizeTokenCounts({ input: 10, output: 5, total: 3 }).tokens.total).toBe(15);
  });

  it('unknown keys and non-object shapes are ignored, never thrown on', () => {
    expect(normalizeTokenCounts({ input: 1, bogus: 7 } as TokenCountsInput).tokens).toMatchObject({ input: 1 });
    expect(() => normalizeTokenCounts(5 as unknown as TokenCountsInput)).not.toThrow();
    expect(() => normalizeTokenCounts('x' as unknown as TokenCountsInput)).not.toThrow();
  });

  it('through a record: sanitized, counted in stats, logged once per distinct problem', async () => {
    const { ledger, logger } = setup();
    for (let index = 0; index < 3; index++) {
      const record = ledger.start({ model: 'm' }).complete({ tokens: { input: -1, output: 2.5, reasoning: 10 } });
      expect(record.tokens).toMatchObject({ input: 0, output: 3, reasoning: 3, total: 3 });
    }
    expect(ledger.stats().invalidInput).toBe(9);
    expect(logger.problems('input is negative')).toHaveLength(1);
    expect(logger.problems('Invalid tokens')).toHaveLength(3);
    expect(logger.problems('input is negative')[0]?.object).toMatchObject({ kind: 'validation', subject: 'tokens' });
  });

  it('fail-closed: ValidationError naming the field', () => {
    const { ledger } = setup({ failOpen: false });
    const call = ledger.start({ model: 'm' });
    let caught: unknown;
    try {
      call.complete({ tokens: { input: 5, cacheRead: 6 } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toMatchObject({ field: 'tokens', code: 'VALIDATION_ERROR' });
    expect((caught as Error).message).toContain('cacheRead (6) exceeds input (5)');
  });
});

describe('capText', () => {
  it('leaves text within the cap alone', () => {
    expect(capText('hello', 5)).toBe('hello');
  });

  it('cuts longer text with a visible marker saying how much was cut', () => {
    const capped = capText('abcdefghij', 4);
    expect(capped).toBe(`abcd${truncationMarker(6, 10)}`);
    expect(capped).toContain('[llm-ledger: truncated 6 of 10 chars]');
  });

  it('replaces lone surrogates with U+FFFD and keeps valid pairs', () => {
    expect(capText(`a${LONE_HIGH}b${LONE_LOW}c😀`, 100)).toBe('a\uFFFDb\uFFFDc😀');
  });

  it('a cut through a surrogate pair leaves no lone surrogate', () => {
    const capped = capText('ab😀cd', 3);
    expect(capped.isWellFormed()).toBe(true);
    expect(capped.startsWith('ab\uFFFD')).toBe(true);
  });
});

describe('toSafeJson and toPlain', () => {
  it('serializes plain values as JSON.stringify does', () => {
    const value = { a: 1, b: [true, null, 'x'], c: { d: 'e' }, skipped: undefined };
    expect(toSafeJson(value)).toBe(JSON.stringify(value));
    expect(toSafeJson(undefined)).toBe('null');
    expect(toSafeJson(() => 1)).toBe('null');
  });

  it('replaces circular references with "[Circular]"', () => {
    const node: Record<string, unknown> = { name: 'root' };
    node.self = node;
    node.list = [node, { back: node }];
    expect(JSON.parse(toSafeJson(node))).toEqual({
      name: 'root',
      self: '[Circular]',
      list: ['[Circular]', { back: '[Circular]' }],
    });
  });

  it('keeps a shared (non-circular) object in both places', () => {
    const shared = { x: 1 };
    expect(JSON.parse(toSafeJson({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it('turns BigInt into its decimal string and reports it', () => {
    const problems: string[] = [];
    expect(toPlain({ big: 2n ** 70n }, 100, [], problems)).toEqual({ big: '1180591620717411303424' });
    expect(problems[0]).toContain('BigInt');
    expect(toSafeJson({ big: 5n })).toBe('{"big":"5"}');
  });

  it('converts Map, Set, Date, Error; drops functions and symbols; NaN becomes null', () => {
    const value = {
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, 'two'],
      ]),
      set: new Set([1, 'a']),
      date: new Date(Date.UTC(2025, 0, 1)),
      error: new TypeError('bad'),
      fn: () => 1,
      sym: Symbol('s'),
      nan: Number.NaN,
      list: [undefined, () => 1, Number.POSITIVE_INFINITY],
      big: 1n,
    };
    expect(JSON.parse(toSafeJson(value))).toEqual({
      map: { k: 1, 2: 'two' },
      set: [1, 'a'],
      date: '2025-01-01T00:00:00.000Z',
      error: { name: 'TypeError', message: 'bad' },
      nan: null,
      list: [null, null, null],
      big: '1',
    });
  });

  it('never throws: getters and proxies that throw, toJSON that throws or returns itself', () => {
    const getter = {
      ok: 1,
      get bad(): never {
        throw new Error('nope');
      },
    };
    expect(() => toSafeJson(getter)).not.toThrow();
    expect(JSON.parse(toSafeJson({ wrapped: getter, fine: true }))).toEqual({
      wrapped: '[Unserializable]',
      fine: true,
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    expect(toSafeJson([proxy, 1n])).toBe('["[Unserializable]","1"]');
    const throwingToJson = {
      toJSON() {
        throw new Error('no');
      },
      n: 1n,
    };
    expect(toSafeJson(throwingToJson)).toBe('"[Unserializable]"');
    const selfToJson = {
      big: 1n,
      toJSON() {
        return this;
      },
    };
    expect(JSON.parse(toSafeJson(selfToJson))).toEqual({ big: '1' });
  });

  it('cuts very deep nesting instead of overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    const problems: string[] = [];
    expect(() => toPlain(deep, 100, [], problems)).not.toThrow();
    expect(problems.join()).toContain('Too deep');
    expect(toSafeJson(deep)).toContain('[Too deep]');
  });

  it('caps each long string with a visible marker, and only those', () => {
    const value = { long: 'x'.repeat(50), short: 'y'.repeat(5), nested: [{ text: 'z'.repeat(21) }] };
    const parsed = JSON.parse(toSafeJson(value, 20)) as typeof value;
    expect(parsed.long).toBe('x'.repeat(20) + truncationMarker(30, 50));
    expect(parsed.short).toBe('yyyyy');
    expect(parsed.nested[0]?.text).toBe('z'.repeat(20) + truncationMarker(1, 21));
  });

  it('writes lone surrogates as U+FFFD, never as an escaped lone surrogate', () => {
    const json = toSafeJson({ text: `a${LONE_HIGH}b`, [`k${LONE_LOW}`]: 1 });
    expect(json).not.toMatch(/\\ud[89a-f]/i);
    expect(JSON.parse(json)).toEqual({ text: 'a\uFFFDb', 'k\uFFFD': 1 });
    expect(toSafeJson({ pair: '😀' })).toBe('{"pair":"😀"}');
  });

  it('isPlainJson accepts plain data and rejects anything toPlain would change', () => {
    expect(isPlainJson({ a: [1, 'b', null, true, { c: undefined }] }, 10)).toBe(true);
    expect(isPlainJson('x'.repeat(11), 10)).toBe(false);
    expect(isPlainJson({ a: 1n }, 10)).toBe(false);
    expect(isPlainJson({ a: new Date() }, 10)).toBe(false);
    expect(isPlainJson({ a: Number.NaN }, 10)).toBe(false);
    expect(isPlainJson([undefined], 10)).toBe(false);
    expect(isPlainJson(`${LONE_HIGH}`, 10)).toBe(false);
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(isPlainJson(cycle, 10)).toBe(false);
  });
});

describe('bad content through a record', () => {
  it('circular metadata and messages are stored with "[Circular]" and reported', async () => {
    const { ledger, logger } = setup();
    const metadata: Record<string, unknown> = { review: 'r-1' };
    metadata.self = metadata;
    const message: Record<string, unknown> = { role: 'user', content: 'hi' };
    message.parent = message;
    const call = ledger.start({ model: 'm', metadata, messages: [message] });
    call.complete();
    const stored = await ledger.calls.get(call.id);
    expect(stored?.metadata).toEqual({ review: 'r-1', self: '[Circular]' });
    expect(stored?.messages).toEqual([{ role: 'user', content: 'hi', parent: '[Circular]' }]);
    expect(logger.problems('circular reference')).toHaveLength(2);
    expect(() => JSON.stringify(stored)).not.toThrow();
  });

  it('BigInt in metadata, params and the response becomes a string', async () => {
    const { ledger } = setup();
    const call = ledger.start({ model: 'm', metadata: { count: 10n }, params: { seed: 42n as unknown as number } });
    const record = call.complete({
      responseMessage: { role: 'assistant', content: 'x', usage: 3n },
      metadata: { extra: 1n },
    });
    expect(record.metadata).toEqual({ count: '10', extra: '1' });
    expect(record.params).toEqual({ seed: '42' });
    expect(record.responseMessage).toEqual({ role: 'assistant', content: 'x', usage: '3' });
    expect(() => JSON.stringify(record)).not.toThrow();
  });

  it('lone surrogates in prompts, messages and responses become U+FFFD', () => {
    const { ledger } = setup();
    const record = ledger
      .start({
        model: 'm',
        systemPrompt: `sys${LONE_HIGH}`,
        messages: [{ role: 'user', content: `broken ${LONE_LOW} text` }],
      })
      .complete({ responseMessage: `reply${LONE_HIGH}` });
    expect(record.systemPrompt).toBe('sys\uFFFD');
    expect(record.messages).toEqual([{ role: 'user', content: 'broken \uFFFD text' }]);
    expect(record.responseMessage?.content).toBe('reply\uFFFD');
  });

  it('a 2 MB message with a 1 MB cap is cut with a visible marker', async () => {
    const { ledger } = setup({ maxFieldChars: 1_000_000 });
    const huge = 'a'.repeat(2_000_000);
    const call = ledger.start({ model: 'm', messages: [{ role: 'user', content: huge }], systemPrompt: huge });
    call.complete({ responseMessage: huge });
    const stored = await ledger.calls.get(call.id);
    const content = (stored?.messages[0] as { content: string }).content;
    expect(content.length).toBeLessThan(1_000_100);
    expect(content.startsWith('a'.repeat(1_000_000))).toBe(true);
    expect(content.endsWith(truncationMarker(1_000_000, 2_000_000))).toBe(true);
    expect(stored?.systemPrompt?.endsWith('[llm-ledger: truncated 1000000 of 2000000 chars]')).toBe(true);
    expect(stored?.responseMessage?.content).toContain('[llm-ledger: truncated 1000000 of 2000000 chars]');
  });

  it('streamed text beyond the cap is cut too', () => {
    const { ledger } = setup({ maxFieldChars: 10 });
    const call = ledger.start({ model: 'm', requestMode: 'streaming' });
    for (let index = 0; index < 5; index++) call.update({ appendText: 'abcd' });
    expect(call.complete().responseMessage?.content).toBe(`abcdabcdab${truncationMarker(10, 20)}`);
  });

  it('the cap is per field: many short strings are kept whole', () => {
    const { ledger } = setup({ maxFieldChars: 10 });
    const messages = Array.from({ length: 100 }, (_, index) => ({ role: 'user', content: `msg ${index}` }));
    expect(ledger.start({ model: 'm', messages }).complete().messages).toEqual(messages);
  });

  it('a missing or empty model is recorded as "unknown" and reported', () => {
    const { ledger, logger } = setup();
    expect(ledger.start({} as CallInit).complete().model).toBe('unknown');
    expect(ledger.start({ model: '' }).complete().model).toBe('unknown');
    expect(ledger.start(undefined as unknown as CallInit).complete().model).toBe('unknown');
    // One log line per distinct problem: the missing model twice, the empty one once.
    expect(logger.problems('Invalid model')).toHaveLength(2);
    expect(ledger.stats().invalidInput).toBe(3);
  });

  it('an invalid startedAt falls back to now and is reported', () => {
    const { ledger, logger } = setup();
    const before = Date.now();
    for (const startedAt of ['not a date', Number.NaN, new Date('nope')]) {
      const record = ledger.start({ model: 'm', startedAt }).complete();
      expect(Date.parse(record.startedAt)).toBeGreaterThanOrEqual(before - 1);
    }
    expect(logger.problems('Invalid startedAt')).toHaveLength(3);
  });

  it('unknown fields in init and result are ignored, not stored', () => {
    const { ledger } = setup();
    const init = { model: 'm', temperature: 0.2, company_id: 'c-1' } as CallInit;
    const result = { responseMessage: 'x', usage: { prompt_tokens: 1 }, surprise: true } as CallResult;
    const record = ledger.start(init).complete(result);
    expect(record).not.toHaveProperty('temperature');
    expect(record).not.toHaveProperty('company_id');
    expect(record).not.toHaveProperty('surprise');
    expect(record.status).toBe('success');
  });

  it('wrongly typed fields are refused (never stringified) or wrapped, and reported', () => {
    const { ledger, logger } = setup();
    const init = {
      model: 'm',
      userId: 42,
      sessionId: { id: 's' },
      provider: 7,
      tags: 'single-tag',
      metadata: 'not an object',
      messages: 'hello',
      tools: { not: 'an array' },
      params: ['x'],
    } as unknown as CallInit;
    const record = ledger.start(init).complete({ responseMessage: 12 as unknown as string });
    expect(record).toMatchObject({
      userId: null,
      sessionId: null,
      provider: 'unknown',
      tags: ['single-tag'],
      metadata: {},
      messages: ['hello'],
      tools: [{ not: 'an array' }],
      params: {},
      responseMessage: null,
    });
    expect(ledger.stats().invalidInput).toBeGreaterThanOrEqual(9);
    expect(record.problems?.join('\n')).toMatch(/userId: expected a string, got number; ignored/);
    expect(record.problems?.join('\n')).toMatch(/responseMessage: expected a message object or a string, got 12/);
    expect(logger.problems('Invalid tags')).toHaveLength(1);
  });

  it('tags with non-string entries keep only the strings, and list the problem', () => {
    const { ledger } = setup();
    const record = ledger.start({ model: 'm', tags: ['a', 1, null] as unknown as string[] }).complete();
    expect(record.tags).toEqual(['a']);
    expect(record.problems?.[0]).toMatch(/^tags: expected an array of well-formed strings/);
  });

  it('a caller cost that is not a decimal is left unset and reported', () => {
    const { ledger, logger } = setup();
    expect(ledger.start({ model: 'm' }).complete({ cost: 'ten cents' }).cost).toBeNull();
    expect(ledger.start({ model: 'm' }).complete({ cost: Number.NaN }).cost).toBeNull();
    expect(logger.problems('Invalid cost')).toHaveLength(2);
  });

  it('fail-closed: circular metadata throws ValidationError at start', () => {
    const { ledger } = setup({ failOpen: false });
    const metadata: Record<string, unknown> = {};
    metadata.self = metadata;
    expect(() => ledger.start({ model: 'm', metadata })).toThrow(ValidationError);
  });

  it('a big message is cut and the cut reported; fail-closed, it is a ValidationError', () => {
    const open = setup({ maxFieldChars: 5 });
    const record = open.ledger.start({ model: 'm', messages: [{ role: 'user', content: '123456' }] }).complete();
    expect((record.messages[0] as { content: string }).content).toContain('truncated 1 of 6');
    expect(record.problems).toEqual([
      'messages: a string of 6 characters is cut to maxFieldChars (5) and ends with a truncation marker',
    ]);
    const closed = testLedger({ failOpen: false, maxFieldChars: 5 }).ledger;
    expect(() => closed.start({ model: 'm', messages: [{ role: 'user', content: '123456' }] })).toThrow(
      ValidationError,
    );
  });

  it('none of it crashes: everything at once, through logCall, with handlers', async () => {
    const { ledger } = setup({ handlers: [{ onEnd: (record) => void JSON.stringify(record) }] });
    const metadata: Record<string, unknown> = { big: 1n, lone: LONE_HIGH, date: new Date(0) };
    metadata.loop = metadata;
    const value = await ledger.logCall(
      {
        model: 'm',
        metadata,
        messages: [{ role: 'user', content: 'x'.repeat(3_000_000) }],
        startedAt: 'garbage',
      },
      async (call) => {
        call.update({ appendText: LONE_LOW, tokens: { input: Number.NaN } });
        call.complete({ tokens: { input: -1, output: 1.5, total_tokens: Number.POSITIVE_INFINITY } });
        return 'survived';
      },
    );
    expect(value).toBe('survived');
    await ledger.flush();
    expect(ledger.stats().handlers.errors).toBe(0);
    const [record] = (await ledger.calls.list({})).records;
    expect(record?.metadata).toEqual({
      big: '1',
      lone: '\uFFFD',
      date: '1970-01-01T00:00:00.000Z',
      loop: '[Circular]',
    });
  });
});
