import { describe, expect, it } from 'vitest';
import { hasOnlyKnownKeys, suggestKey, unknownKeyProblems } from '../../src/core/unknown-keys.js';

const KNOWN = new Set(['model', 'systemPrompt', 'params', 'requestMode', 'tokens']);

describe('unknown keys', () => {
  it('lists nothing when every key is known', () => {
    expect(unknownKeyProblems({ model: 'x', params: {} }, KNOWN, 'start()')).toEqual([]);
    expect(hasOnlyKnownKeys({ model: 'x' }, KNOWN)).toBe(true);
  });

  it('names the key, the place, the known keys and a near miss', () => {
    const [problem] = unknownKeyProblems({ modle: 'x' }, KNOWN, 'start()');
    expect(problem?.key).toBe('modle');
    expect(problem?.suggestion).toBe('model');
    expect(problem?.message).toContain('unknown key "modle" in start()');
    expect(problem?.message).toContain('Did you mean "model"?');
    expect(problem?.message).toContain('Known keys: model, systemPrompt, params, requestMode, tokens.');
  });

  it('suggests the camelCase key for a snake_case or other-cased one', () => {
    expect(suggestKey('system_prompt', KNOWN)).toBe('systemPrompt');
    expect(suggestKey('RequestMode', KNOWN)).toBe('requestMode');
  });

  it('prefers a declared alias', () => {
    expect(suggestKey('max_tokens', KNOWN, { max_tokens: 'params.max_tokens' })).toBe('params.max_tokens');
  });

  it('gives no suggestion for an unrelated key', () => {
    const [problem] = unknownKeyProblems({ Input: 1 }, KNOWN, 'tokens');
    expect(problem?.suggestion).toBeUndefined();
    expect(problem?.message).not.toContain('Did you mean');
  });

  it('checks own prototype keys and escapes control characters', () => {
    const parsed = JSON.parse('{"__proto__": 1, "constructor": 2, "a\\u0000b": 3}') as object;
    const problems = unknownKeyProblems(parsed, KNOWN, 'start()');
    expect(problems.map((problem) => problem.key)).toEqual(['__proto__', 'constructor', 'a\u0000b']);
    expect(problems[2]?.message).toContain('a\\u0000b');
    expect(hasOnlyKnownKeys(parsed, KNOWN)).toBe(false);
  });

  it('ignores values that are not objects', () => {
    expect(unknownKeyProblems(null, KNOWN, 'x')).toEqual([]);
    expect(unknownKeyProblems('abc', KNOWN, 'x')).toEqual([]);
  });
});
