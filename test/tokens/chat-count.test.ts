import { countTokens as o200kCount } from 'gpt-tokenizer/encoding/o200k_base';
import { computeChatCompletionTokenCount } from 'gpt-tokenizer/functionCalling';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { estimateTokens, heuristicFromEnv } from '../../src/tokens/heuristic.js';
import { createTokenCounter } from '../../src/tokens/token-counter.js';

/** OpenAI cookbook "How to count tokens with tiktoken": 129 prompt tokens for gpt-4-0613 / gpt-3.5-turbo-0613. */
const COOKBOOK_MESSAGES = [
  {
    role: 'system',
    content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  {
    role: 'system',
    name: 'example_user',
    content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Look up the weather for a city.',
    parameters: {
      type: 'object',
      required: ['city'],
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    },
  },
};

const counter = createTokenCounter();

describe('chat token counts', () => {
  it("match the OpenAI cookbook's published count (129 for gpt-4-0613)", () => {
    expect(counter.countChat({ messages: COOKBOOK_MESSAGES }, 'gpt-4-0613')).toEqual({
      tokens: 129,
      source: 'tokenizer',
      method: 'cl100k_base',
    });
  });

  it("equal gpt-tokenizer's chat count, tool definitions included", () => {
    const messages = [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: 'Weather in Paris and in Tokyo?' },
    ];
    const expected = computeChatCompletionTokenCount(
      { messages, functions: [WEATHER_TOOL.function as never] },
      (text) => o200kCount(text),
    );
    expect(counter.countChat({ messages, tools: [WEATHER_TOOL] }, 'gpt-4o').tokens).toBe(expected);
    // Anthropic's tool shape (input_schema) is the same definition.
    const anthropicTool = {
      name: 'get_weather',
      description: 'Look up the weather for a city.',
      input_schema: WEATHER_TOOL.function.parameters,
    };
    expect(counter.countChat({ messages, tools: [anthropicTool] }, 'gpt-4o').tokens).toBe(expected);
  });

  it('count tool calls, tool results and content parts', () => {
    const base = counter.countChat({ messages: [{ role: 'user', content: 'hi' }] }, 'gpt-4o').tokens;
    const withCalls = counter.countChat(
      {
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'a', content: '18C, sunny' },
        ],
      },
      'gpt-4o',
    ).tokens;
    const calls = 2 * (o200kCount('get_weather') + 3) + o200kCount('{"city":"Paris"}') + o200kCount('{"city":"Tokyo"}');
    const assistant = o200kCount('assistant') + 3;
    const tool = o200kCount('tool') + o200kCount('18C, sunny') + 3;
    expect(withCalls).toBe(base + calls + assistant + tool);
    const parts = counter.countChat(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hello ' },
              { type: 'text', text: 'there' },
            ],
          },
        ],
      },
      'gpt-4o',
    );
    expect(parts.tokens).toBe(
      counter.countChat({ messages: [{ role: 'user', content: 'hello there' }] }, 'gpt-4o').tokens,
    );
  });

  it('a system prompt outside the messages (Anthropic, Gemini) counts as a system message', () => {
    const inside = counter.countChat(
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      },
      'gpt-4o',
    );
    const outside = counter.countChat({ system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] }, 'gpt-4o');
    expect(outside).toEqual(inside);
  });

  it('images and other non-text parts make the count an estimate', () => {
    const count = counter.countChat(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:...' } },
            ],
          },
        ],
      },
      'gpt-4o',
    );
    expect(count.source).toBe('estimate');
  });

  it('async counting of a large chat gives the same total', async () => {
    const messages = [
      { role: 'system', content: 'Summarize.' },
      {
        role: 'user',
        content: COOKBOOK_MESSAGES.map((message) => message.content)
          .join('\n')
          .repeat(400),
      },
    ];
    const small = createTokenCounter({ chunkChars: 2_048 });
    expect(await small.countChatAsync({ messages, tools: [WEATHER_TOOL] }, 'gpt-4o')).toEqual(
      counter.countChat({ messages, tools: [WEATHER_TOOL] }, 'gpt-4o'),
    );
  });

  it('non-OpenAI models get the documented approximation, marked estimate', () => {
    const messages = [{ role: 'user', content: 'x'.repeat(400) }];
    const claude = counter.countChat({ messages }, 'claude-sonnet-4-20250514');
    // 3 per message + 3 priming, as for OpenAI; role and text at 4 characters per token.
    expect(claude).toEqual({ tokens: 3 + 3 + Math.ceil('user'.length / 4) + 100, source: 'estimate', method: 'chars' });
    const approximated = createTokenCounter({ approximateWith: 'o200k_base' }).countText(
      'hello world',
      'gemini-2.5-pro',
    );
    expect(approximated).toEqual({ tokens: 2, source: 'estimate', method: 'o200k_base' });
  });
});

describe('the heuristic', () => {
  it('characters / 4 by default, rounded up; 1.3 tokens per word as the alternative', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcdefghi')).toBe(3);
    expect(estimateTokens('one two three four five six seven eight nine ten', { method: 'words' })).toBe(13);
    expect(estimateTokens('abcdefghi', { charsPerToken: 3 })).toBe(3);
  });

  it('TOKEN_ESTIMATION_RATIO sets characters per token; a bad value is a ConfigError', () => {
    const env = { TOKEN_ESTIMATION_RATIO: '2.5' };
    expect(heuristicFromEnv(env)).toEqual({ method: 'chars', charsPerToken: 2.5 });
    expect(createTokenCounter({ env }).countText('x'.repeat(100), 'mistral-large-latest')).toEqual({
      tokens: 40,
      source: 'estimate',
      method: 'chars',
    });
    expect(createTokenCounter({ env, charsPerToken: 5 }).countText('x'.repeat(100), 'claude-x').tokens).toBe(20);
    expect(heuristicFromEnv({})).toEqual({});
    expect(() => heuristicFromEnv({ TOKEN_ESTIMATION_RATIO: 'four' })).toThrow(ConfigError);
    expect(() => heuristicFromEnv({ TOKEN_ESTIMATION_RATIO: '0' })).toThrow(/TOKEN_ESTIMATION_RATIO/);
  });
});
