import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { trackLLMCall } from '../../src/capture/track-llm-call.js';
import { wrapClient } from '../../src/capture/wrap-client.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import { chatCompletion, chatStream, message, openaiUsage } from '../support/wire-server/index.js';
import { onlyRecord, sdkClients, startWireServer, testLedger, type WireServer } from '../capture/capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const messages = [{ role: 'user' as const, content: 'Weather in Paris and Rome?' }];
const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const scripted = [
  { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
  { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
];

/** The tool calls a wrapped OpenAI client stores for the scripted reply, and that reply's raw message. */
async function wrappedOpenAI() {
  const ledger = testLedger();
  const openai = wrapClient(ledger, sdkClients(server).openai);
  server.script('openai.chat', chatCompletion({ toolCalls: scripted }));
  const response = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weatherTool] });
  const record = await onlyRecord(ledger);
  await ledger.close();
  return { toolCalls: record.responseMessage?.toolCalls, raw: response.choices[0]!.message };
}

async function handLogged(result: Record<string, unknown>) {
  const errors: Problem[] = [];
  const ledger = testLedger({ onError: (problem) => errors.push(problem) });
  await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', messages }, async (call) => {
    call.complete({ tokens: { input: 12, output: 3 }, ...result });
  });
  const record = await onlyRecord(ledger);
  const stats = ledger.stats();
  await ledger.close();
  return { record, errors, invalidInput: stats.invalidInput };
}

describe('tool calls are stored under one name and shape, wrapped or logged by hand', () => {
  it('OpenAI raw message, top-level tool_calls, toolCalls with object arguments, and the flat shape all equal the wrapped record', async () => {
    const wrapped = await wrappedOpenAI();
    expect(wrapped.toolCalls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
    const inputs: Array<Record<string, unknown>> = [
      // The SDK's own message object, handed over as is.
      { responseMessage: wrapped.raw },
      // OpenAI's snake_case list beside the message.
      { responseMessage: { role: 'assistant', content: null }, tool_calls: wrapped.raw.tool_calls },
      // Our name, arguments as an object.
      {
        toolCalls: scripted.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: JSON.parse(call.arguments) },
        })),
      },
      // The flat shape of other frameworks, and Anthropic's tool_use blocks.
      { toolCalls: scripted.map((call) => ({ id: call.id, name: call.name, args: JSON.parse(call.arguments) })) },
      {
        toolCalls: scripted.map((call) => ({
          type: 'tool_use',
          id: call.id,
          name: call.name,
          input: JSON.parse(call.arguments),
        })),
      },
    ];
    for (const input of inputs) {
      const { record, errors, invalidInput } = await handLogged(input);
      expect(record.responseMessage?.toolCalls, JSON.stringify(input)).toEqual(wrapped.toolCalls);
      expect(record.responseMessage).not.toHaveProperty('tool_calls');
      expect(errors).toEqual([]);
      expect(invalidInput).toBe(0);
    }
  });

  it('a streamed wrapped call and an Anthropic wrapped call store the same shape', async () => {
    const ledger = testLedger();
    const { openai, anthropic } = sdkClients(server);
    wrapClient(ledger, openai);
    wrapClient(ledger, anthropic);
    server.script(
      'openai.chat',
      chatStream({
        toolCalls: [{ id: 'call_a', name: 'get_weather', argumentPieces: ['{"city"', ':"Paris"}'] }],
        usage: openaiUsage(12, 3),
      }),
    );
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // read to the end, as an application does
    }
    server.script(
      'anthropic.messages',
      message({ toolUses: [{ id: 'call_a', name: 'get_weather', input: { city: 'Paris' } }] }),
    );
    await anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 100, messages });
    const page = await ledger.calls.list({ order: 'asc' });
    const expected = [
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ];
    expect(page.records.map((record) => record.responseMessage?.toolCalls)).toEqual([expected, expected]);
    await ledger.close();
  });

  it('tool calls of no known shape are kept and reported; both names at once keep toolCalls and report it', async () => {
    const odd = await handLogged({ toolCalls: [{ weird: true }, 'x'] });
    expect(odd.record.responseMessage?.toolCalls).toEqual([{ weird: true }, { value: 'x' }]);
    expect(odd.record.problems).toEqual([
      expect.stringMatching(/^toolCalls\[0\]: not a tool call of a known shape/),
      expect.stringMatching(/^toolCalls\[1\]: not a tool call of a known shape/),
    ]);
    expect(odd.invalidInput).toBe(2);

    const both = await handLogged({ toolCalls: [{ id: 'a', name: 'f', arguments: '{}' }], tool_calls: [] });
    expect(both.record.responseMessage?.toolCalls).toEqual([
      { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
    ]);
    expect(both.record.problems).toEqual([expect.stringMatching(/^toolCalls: both toolCalls and tool_calls/)]);

    const notAList = await handLogged({ tool_calls: { id: 'a' } });
    expect(notAList.record.responseMessage).toBeNull();
    expect(notAList.record.problems).toEqual([expect.stringMatching(/^toolCalls: expected an array of tool calls/)]);
  });
});

describe('parentId given to trackLLMCall and wrap defaults joins the trace', () => {
  it('both join the trace of a parent started in this process, and byTrace returns all three', async () => {
    const ledger = testLedger();
    const parent = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages, traceId: 'job-17' });
    server.script('openai.chat', chatCompletion({ content: 'one' }));
    await trackLLMCall(ledger, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      messages,
      client: sdkClients(server).openai,
      stream: false,
      parentId: parent.id,
    });
    const openai = wrapClient(ledger, sdkClients(server).openai, { parentId: parent.id });
    server.script('openai.chat', chatCompletion({ content: 'two' }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    parent.complete({ tokens: { input: 1, output: 1 } });
    const trace = await ledger.calls.byTrace('job-17');
    expect(trace).toHaveLength(3);
    expect(trace.filter((record) => record.parentId === parent.id)).toHaveLength(2);
    await ledger.close();
  });
});
