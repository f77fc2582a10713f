import { describe, expect, it } from 'vitest';
import { withStreamUsage } from '../../src/capture/openai/chat-request.js';

describe('withStreamUsage (the request sent when the ledger asks for the usage chunk)', () => {
  it('adds include_usage to a copy, keeping every key and leaving the caller request untouched', () => {
    const request = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const { params, added } = withStreamUsage(request);
    expect(added).toBe(true);
    expect(params).not.toBe(request);
    expect(params).toEqual({ ...request, stream_options: { include_usage: true } });
    expect(request).not.toHaveProperty('stream_options');
  });

  it('keeps the caller stream_options fields beside include_usage', () => {
    const request = { model: 'm', stream: true, stream_options: { include_obfuscation: false } };
    const { params } = withStreamUsage(request);
    expect(params.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(request.stream_options).toEqual({ include_obfuscation: false });
  });

  it('sends the very request when the caller already asked for usage', () => {
    const request = { model: 'm', stream: true, stream_options: { include_usage: true } };
    expect(withStreamUsage(request)).toEqual({ params: request, added: false });
    expect(withStreamUsage(request).params).toBe(request);
  });

  it('copies an own __proto__ key (as JSON.parse makes) as data, never as the prototype', () => {
    const request = JSON.parse('{"model":"m","stream":true,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const { params } = withStreamUsage(request);
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.hasOwn(params, '__proto__')).toBe(true);
    expect((params as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(params)).toBe(
      '{"model":"m","stream":true,"__proto__":{"polluted":true},"stream_options":{"include_usage":true}}',
    );
  });
});
