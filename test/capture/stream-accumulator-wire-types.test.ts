import { describe, expect, it } from 'vitest';
import { MessagesStreamAccumulator } from '../../src/capture/anthropic/messages-stream-accumulator.js';
import { GenerateStreamAccumulator } from '../../src/capture/gemini/generate-stream-accumulator.js';
import { ChatStreamAccumulator } from '../../src/capture/openai/chat-stream-accumulator.js';
import { ResponsesStreamAccumulator } from '../../src/capture/openai/responses-stream-accumulator.js';
import type { StreamAccumulator, StreamOutcome } from '../../src/capture/stream-capture.js';

/**
 * The stream readers behind `ledger.wrap()` and the proxy take chunks from the wire, and a
 * provider, a gateway or a compromised upstream may send any JSON. A field of the wrong type is
 * left out, an index that is not a small non-negative integer places nothing, and nothing throws
 * or runs long: the good chunks around the bad ones are still read.
 */

function read(accumulator: StreamAccumulator<unknown>, chunks: unknown[]): StreamOutcome {
  for (const chunk of chunks) accumulator.add(chunk);
  return accumulator.outcome();
}

const BAD_INDEXES = [1e9, -1, 1.5, '__proto__', '3', Number.MAX_SAFE_INTEGER];

describe('stream accumulators read what the wire sends without trusting its types', () => {
  it('OpenAI chat: bad choices, indexes and field types are skipped; the rest is read', () => {
    const chunks: unknown[] = [
      { model: { not: 'a string' }, choices: 5 },
      { choices: { 0: 'x' } },
      { choices: [null, 7, 'x'] },
      ...BAD_INDEXES.map((index) => ({ choices: [{ index, delta: { content: 'lost' } }] })),
      {
        choices: [
          {
            index: 0,
            delta: { content: 'Hi', tool_calls: [null, ...BAD_INDEXES.map((bad) => ({ index: bad, id: 'x' }))] },
          },
        ],
      },
      { model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: { odd: true } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ];
    const started = performance.now();
    const outcome = read(new ChatStreamAccumulator(false), chunks);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcome.responseMessage).toMatchObject({ role: 'assistant', content: 'Hi' });
    expect(outcome.responseMessage?.toolCalls).toBeUndefined();
    expect(outcome.responseMessage?.alternatives).toBeUndefined();
    expect(outcome.responseModel).toBe('gpt-4o-mini');
    expect(outcome.finishReason).toBe('stop');
  });

  it('OpenAI chat: tool-call fields of the wrong type are left out, the good ones read', () => {
    const outcome = read(new ChatStreamAccumulator(false), [
      {
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: { odd: 1 }, type: 5, function: { name: 7 } }] } }],
      },
      {
        choices: [
          { index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: {} } }] } },
        ],
      },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] } }] },
    ]);
    expect(outcome.responseMessage?.toolCalls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
    ]);
  });

  it('Anthropic messages: bad block indexes and field types are skipped; the rest is read', () => {
    const events: unknown[] = [
      { type: 'message_start', message: { model: 42, usage: { input_tokens: 5 } } },
      ...BAD_INDEXES.map((index) => ({
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: 'lost' },
      })),
      { type: 'content_block_start', index: 0, content_block: { type: { odd: 1 }, text: 7, id: [], name: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: { odd: 1 } } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      ...BAD_INDEXES.map((index) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: 'x' } })),
      { type: 'message_delta', delta: { stop_reason: ['end_turn'] }, usage: { output_tokens: 2 } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' } },
    ];
    const started = performance.now();
    const outcome = read(new MessagesStreamAccumulator(), events);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcome.responseMessage).toMatchObject({ role: 'assistant', content: 'Hi' });
    expect(outcome.responseModel).toBeNull();
    expect(outcome.finishReason).toBe('end_turn');
    expect(Object.getPrototypeOf([])).toBe(Array.prototype);
  });

  it('Gemini: parts that are not objects, and fields of the wrong type, are skipped', () => {
    const chunks: unknown[] = [
      { candidates: [{ content: { parts: 5 } }] },
      { candidates: [{ content: { parts: { text: 'x' } } }] },
      { modelVersion: ['x'], candidates: [{ content: { parts: [null, 3, 'x', { text: 'Hi' }] }, finishReason: {} }] },
      { candidates: [{ content: { parts: [{ functionCall: { id: 5, name: { odd: 1 }, args: {} } }] } }] },
      { modelVersion: 'gemini-2.0-flash', candidates: [{ content: { parts: [] }, finishReason: 'STOP' }] },
    ];
    const outcome = read(new GenerateStreamAccumulator(), chunks);
    expect(outcome.responseMessage).toMatchObject({ role: 'assistant', content: 'Hi' });
    expect(outcome.responseMessage?.toolCalls?.[0]).toMatchObject({ type: 'function', function: { name: '' } });
    expect(outcome.responseMessage?.toolCalls?.[0]).not.toHaveProperty('id');
    expect(outcome.responseModel).toBe('gemini-2.0-flash');
    expect(outcome.finishReason).toBe('STOP');
  });

  it('OpenAI responses: a model that is not a string is left out', () => {
    const events: unknown[] = [
      { type: 'response.created', response: { model: 'gpt-4o' } },
      { type: 'response.output_text.delta', delta: 'Hi' },
      { type: 'response.in_progress', response: { model: { odd: 1 } } },
    ];
    const outcome = read(new ResponsesStreamAccumulator(), events);
    expect(outcome.responseModel).toBe('gpt-4o');
  });
});
