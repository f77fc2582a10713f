import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/capture/error-classification.js';

const headers = (values: Record<string, string>) => new Headers(values);

describe('classifyError', () => {
  it('reads openai-node errors by status, code and class', () => {
    const limit = OpenAI.APIError.generate(
      429,
      { message: 'Rate limit', type: 'requests', code: 'rate_limit_exceeded' },
      undefined,
      headers({ 'retry-after-ms': '1500' }),
    );
    expect(classifyError(limit)).toEqual({ errorType: 'rate_limit', httpStatus: 429, retryAfterMs: 1500 });
    const quota = OpenAI.APIError.generate(
      429,
      { message: 'You exceeded your current quota', code: 'insufficient_quota' },
      undefined,
      headers({}),
    );
    expect(classifyError(quota).errorType).toBe('rate_limit');
    expect(classifyError(new OpenAI.APIUserAbortError()).errorType).toBe('aborted');
    expect(classifyError(new OpenAI.APIConnectionTimeoutError()).errorType).toBe('timeout');
    expect(classifyError(new OpenAI.APIConnectionError({ message: 'Connection error.' })).errorType).toBe('network');
    const midStream = new OpenAI.APIError(undefined, { message: 'boom', type: 'server_error' }, undefined, undefined);
    expect(classifyError(midStream)).toMatchObject({ errorType: 'server', httpStatus: null });
  });

  it('reads Anthropic error bodies, including mid-stream ones without status', () => {
    const overloaded = new Anthropic.APIError(
      undefined,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      undefined,
      headers({}),
    );
    expect(classifyError(overloaded).errorType).toBe('server');
    const auth = Anthropic.APIError.generate(
      401,
      { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      undefined,
      headers({}),
    );
    expect(classifyError(auth)).toMatchObject({ errorType: 'authentication', httpStatus: 401 });
  });

  it('reads Gemini ApiError messages (JSON with gRPC status and RetryInfo)', () => {
    const body = {
      error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota', details: [{ retryDelay: '4.5s' }] },
    };
    const error = Object.assign(new Error(JSON.stringify(body)), { name: 'ApiError', status: 429 });
    expect(classifyError(error)).toEqual({ errorType: 'rate_limit', httpStatus: 429, retryAfterMs: 4500 });
    const tooLong = Object.assign(
      new Error('The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).'),
      {
        status: 400,
      },
    );
    expect(classifyError(tooLong).errorType).toBe('context_length_exceeded');
  });

  it('reads network failures, aborts, and anything else without throwing', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyError(refused).errorType).toBe('network');
    expect(classifyError(new DOMException('aborted', 'AbortError')).errorType).toBe('aborted');
    expect(classifyError(new DOMException('signal timed out', 'TimeoutError')).errorType).toBe('timeout');
    expect(classifyError({ status: 503 }).errorType).toBe('server');
    expect(classifyError('weird').errorType).toBe('unknown');
    expect(classifyError(null).errorType).toBe('unknown');
    expect(classifyError(new Error('Please try again in 20s')).retryAfterMs).toBe(20_000);
  });
});
