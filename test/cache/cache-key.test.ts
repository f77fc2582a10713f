import { describe, expect, it } from 'vitest';
import { answerHeadersOf, answerQueryOf, defaultCacheKey, type CacheKeyInput } from '../../src/cache/cache-key.js';
import { MemoryCacheBackend } from '../../src/cache/index.js';
import { ResponseCache } from '../../src/cache/response-cache.js';

const base: CacheKeyInput = {
  provider: 'openai',
  endpoint: 'chat.completions',
  model: 'gpt-4o-mini',
  streamed: true,
  request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true },
};
const keyWith = (change: Partial<CacheKeyInput> & { fields?: Record<string, unknown> }) =>
  defaultCacheKey({ ...base, ...change, request: { ...base.request, ...change.fields } });

describe('the default cache key', () => {
  it('leaves out who asked and how the request travels', () => {
    for (const fields of [
      { user: 'u-2' },
      { metadata: { team: 'a' } },
      { safety_identifier: 'h' },
      { prompt_cache_key: 'k' },
      { store: true },
    ]) {
      expect(keyWith({ fields })).toBe(defaultCacheKey(base));
    }
  });

  it('keeps every field that changes what the answer holds or how it is shaped', () => {
    // include_usage adds a usage chunk to the stream; the answer names the tier that served it.
    const changed = [
      { stream_options: { include_usage: true } },
      { stream_options: { include_obfuscation: false } },
      { service_tier: 'flex' },
      { temperature: 0 },
      { reasoning_effort: 'low' },
    ].map((fields) => keyWith({ fields }));
    expect(new Set([defaultCacheKey(base), ...changed]).size).toBe(changed.length + 1);
  });

  it('keeps the answer-shaping headers and the query apart, and a request without them keeps its key', () => {
    const keys = [
      defaultCacheKey(base),
      keyWith({ headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } }),
      keyWith({ headers: { 'anthropic-beta': 'output-128k-2025-02-19' } }),
      keyWith({ headers: { 'openai-beta': 'x' } }),
      keyWith({ query: 'alt=sse' }),
      keyWith({ query: 'api-version=2024-10-21' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keyWith({ headers: {}, query: '' })).toBe(defaultCacheKey(base));
    // A header value is not mistaken for a query string, nor the other way round.
    expect(keyWith({ headers: { 'openai-beta': 'alt=sse' } })).not.toBe(keyWith({ query: 'alt=sse' }));
  });
});

describe('answerHeadersOf', () => {
  it('reads an object, a Headers and a list of pairs alike, keeping only the headers that change the answer', () => {
    const expected = { 'anthropic-beta': 'a' };
    expect(answerHeadersOf({ 'Anthropic-Beta': 'a', 'user-agent': 'x', authorization: 'Bearer sk' })).toEqual(expected);
    expect(answerHeadersOf(new Headers({ 'anthropic-beta': 'a', 'x-api-key': 'k' }))).toEqual(expected);
    expect(answerHeadersOf([['anthropic-beta', 'a']])).toEqual(expected);
  });

  it('joins a repeated header as HTTP reads it, and skips what is not sent', () => {
    expect(
      answerHeadersOf([
        ['anthropic-beta', 'a'],
        ['ANTHROPIC-BETA', 'b'],
      ]),
    ).toEqual({ 'anthropic-beta': 'a, b' });
    // openai-node removes a header given as null; undefined is not sent either.
    expect(answerHeadersOf({ 'openai-beta': null, 'anthropic-beta': undefined })).toBeUndefined();
    for (const nothing of [undefined, null, 'anthropic-beta: a', 42, {}, []]) {
      expect(answerHeadersOf(nothing)).toBeUndefined();
    }
  });
});

describe('answerQueryOf', () => {
  it('sorts the parameters, keeps the order of one name, and leaves the API key out', () => {
    expect(answerQueryOf('?b=2&a=1&b=1')).toBe('a=1&b=2&b=1');
    expect(answerQueryOf('alt=sse&key=AIza-secret')).toBe('alt=sse');
    expect(answerQueryOf('?key=AIza-secret')).toBeUndefined();
    expect(answerQueryOf('')).toBeUndefined();
    expect(answerQueryOf('?')).toBeUndefined();
  });
});

describe('which calls a cache applies to', () => {
  it('every call but those that said cache: false; opt-in, only those that said cache: true', () => {
    const everyCall = new ResponseCache(new MemoryCacheBackend());
    const optIn = new ResponseCache(new MemoryCacheBackend(), { optIn: true });
    expect([undefined, true, false].map((wanted) => everyCall.appliesTo(wanted))).toEqual([true, true, false]);
    expect([undefined, true, false].map((wanted) => optIn.appliesTo(wanted))).toEqual([false, true, false]);
  });
});
