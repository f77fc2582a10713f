/**
 * Records of calls whose provider sent no usage, end to end with the official SDKs against the wire
 * server: the counts are the token chain's (the model's tokenizer, else o200k_base x the family
 * ratio) over the prompt as sent and the text actually received, and `tokenSource` says which.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrapClient } from '../../src/capture/wrap-client.js';
import { ConfigError } from '../../src/core/errors.js';
import { createLedger } from '../../src/create-ledger.js';
import { DEFAULT_FAMILY_RATIOS } from '../../src/tokens/call-token-estimator.js';
import { chatCompletionBody, messageStream } from '../support/wire-server/index.js';
import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';
import { TEXTS } from '../tokens/fixtures/accuracy-corpus.js';
import { onlyRecord, sdkClients, startWireServer, testLedger, type WireServer } from './capture-harness.js';

let server: WireServer;
beforeAll(async () => {
  server = await startWireServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const claudeRequest = {
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
};

/**
 * Streams a Claude reply and stops reading after two text deltas (the usage, in message_delta,
 * never arrives); returns the text received.
 */
async function cutClaudeStream(anthropic: ReturnType<typeof sdkClients>['anthropic']): Promise<string> {
  server.script(
    'anthropic.messages',
    messageStream({ textPieces: ['Sunny ', 'and ', '晴れ ', '🌞 all day'], usage: { input: 25, output: 9 } }),
  );
  let text = '';
  let deltas = 0;
  for await (const event of await anthropic.messages.create({ ...claudeRequest, stream: true })) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    if (event.type === 'content_block_delta' && ++deltas === 2) break;
  }
  return text;
}

describe('calls without usage are counted by the token chain', () => {
  it('OpenAI, a large prompt without usage: exact counts (tokenizer), counted off the call in chunks', async () => {
    const ledger = testLedger();
    const openai = wrapClient(ledger, sdkClients(server).openai);
    const prompt = Object.values(TEXTS).join('\n').repeat(12); // about 40 KB: two chunks
    const messages = [
      { role: 'system' as const, content: 'Summarize.' },
      { role: 'user' as const, content: prompt },
    ];
    const expected = { input: tiktokenChatCount(messages), output: tiktokenCount('A summary, 要約 ✅.') };
    const { usage: _usage, ...withoutUsage } = chatCompletionBody({ content: 'A summary, 要約 ✅.' });
    server.script('openai.chat', { kind: 'json', body: withoutUsage });
    await openai.chat.completions.create({ model: 'gpt-4o', messages });
    const record = await onlyRecord(ledger);
    expect(record.tokenSource).toBe('tokenizer');
    expect(record.tokens).toMatchObject(expected);
    expect(record.cost?.status).toBe('estimated');
    await ledger.close();
  });

  it('Claude, a stream cut after two deltas: the input Anthropic announced, the output received x the Claude ratio', async () => {
    const ledger = testLedger();
    const text = await cutClaudeStream(wrapClient(ledger, sdkClients(server).anthropic));
    expect(text.length).toBeGreaterThan(0);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({ status: 'partial', partial: true, tokenSource: 'estimate' });
    expect(text).toBe('Sunny and ');
    expect(record.responseMessage?.content).toBe(text);
    expect(record.tokens.output).toBe(Math.round(tiktokenCount(text) * DEFAULT_FAMILY_RATIOS.anthropic));
    expect(record.tokens.input).toBe(25); // announced by message_start before the cut
    await ledger.close();
  });

  it('createLedger({ tokenEstimation: { ratios } }) scales the approximation of that family', async () => {
    const ledger = testLedger({ tokenEstimation: { ratios: { anthropic: 2 } } });
    const text = await cutClaudeStream(wrapClient(ledger, sdkClients(server).anthropic));
    expect((await onlyRecord(ledger)).tokens.output).toBe(tiktokenCount(text) * 2);
    await ledger.close();
  });

  it('TOKEN_ESTIMATION_RATIO (characters per token) is honoured by recorded estimates; OpenAI keeps its tokenizer', async () => {
    const ledger = testLedger({ env: { TOKEN_ESTIMATION_RATIO: '2' } });
    const text = await cutClaudeStream(wrapClient(ledger, sdkClients(server).anthropic));
    expect((await onlyRecord(ledger)).tokens.output).toBe(Math.ceil(text.length / 2));
    expect(ledger.tokenEstimator?.methodFor('claude-sonnet-4-6')).toMatchObject({ method: 'chars', ratio: 2 });
    expect(ledger.tokenEstimator?.methodFor('gpt-4o')).toMatchObject({ source: 'tokenizer', method: 'o200k_base' });
    await ledger.close();
  });

  it.each([
    [{ env: { TOKEN_ESTIMATION_RATIO: 'four' } }, /TOKEN_ESTIMATION_RATIO/],
    [{ env: { TOKEN_ESTIMATION_RATIO: '0' } }, /TOKEN_ESTIMATION_RATIO/],
    [{ tokenEstimation: { ratios: { anthropic: -1 } } }, /tokenEstimation\.ratios\.anthropic/],
    [{ tokenEstimation: { ratios: { mistral: 1 } as never } }, /tokenEstimation\.ratios\.mistral/],
    [{ tokenEstimation: { charsPerToken: Number.NaN } }, /tokenEstimation\.charsPerToken/],
  ])('a bad setting is a ConfigError naming it: %j', (options, named) => {
    const create = () => createLedger({ store: 'memory', configFile: false, shutdownHooks: false, ...options });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(named);
  });
});
