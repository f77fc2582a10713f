import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createCallTokenEstimator, DEFAULT_FAMILY_RATIOS } from '../../src/tokens/call-token-estimator.js';
import { tokenFamilyOf } from '../../src/tokens/model-family.js';
import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';

const chain = createCallTokenEstimator();

describe('the token chain', () => {
  it.each([
    ['gpt-4o-mini', undefined, 'openai'],
    ['azure/gpt-4.1', undefined, 'openai'],
    ['claude-sonnet-4-5', undefined, 'anthropic'],
    ['anthropic.claude-3-haiku-20240307-v1:0', 'bedrock', 'anthropic'],
    ['gemini-2.5-flash', undefined, 'gemini'],
    ['models/gemma-3-27b-it', undefined, 'gemini'],
    ['my-deployment', 'anthropic', 'anthropic'],
    ['llama-3.1-70b', 'together', 'other'],
  ])('%s (provider %s) is of the %s family', (model, provider, family) => {
    expect(tokenFamilyOf(model, provider)).toBe(family);
  });

  it('counts the prompt with the chat overhead, the output and the reasoning, each scaled by the ratio', () => {
    const messages = [{ role: 'user', content: 'Explain token counting in two sentences, please.' }];
    const output = 'Tokens are pieces of text. Providers bill by them.';
    const reasoning = 'The user wants brevity.';
    const estimate = chain.estimate({
      model: 'claude-opus-4',
      prompt: { messages },
      outputText: output,
      reasoningText: reasoning,
    });
    const ratio = DEFAULT_FAMILY_RATIOS.anthropic;
    expect(estimate).toMatchObject({
      source: 'estimate',
      family: 'anthropic',
      method: 'o200k_base',
      ratio,
      input: Math.round(tiktokenChatCount(messages) * ratio),
      output: Math.round(tiktokenCount(output) * ratio),
      reasoning: Math.round(tiktokenCount(reasoning) * ratio),
    });
  });

  it('embedding inputs are texts: no roles and no per-message overhead', () => {
    const texts = ['first passage', '第二段落'];
    const estimate = chain.estimate({
      model: 'text-embedding-3-small',
      callType: 'EMBEDDING',
      prompt: { messages: texts.map((content) => ({ role: 'user', content })) },
    });
    expect(estimate).toMatchObject({ source: 'tokenizer', method: 'cl100k_base', output: 0 });
    expect(estimate.input).toBe(tiktokenCount(texts[0]!, 'cl100k_base') + tiktokenCount(texts[1]!, 'cl100k_base'));
  });

  it('a prompt with an image is an estimate even for an OpenAI model: its cost is not in the text', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
    ];
    expect(chain.estimate({ model: 'gpt-4o', prompt: { messages } }).source).toBe('estimate');
    expect(chain.estimate({ model: 'gpt-4o', outputText: 'A cat.' }).source).toBe('tokenizer');
  });

  it('without a prompt (the provider reported the input side) only the output is counted', () => {
    expect(chain.estimate({ model: 'gpt-4o', outputText: 'Hello there' })).toMatchObject({ input: 0, output: 2 });
  });

  it('isLarge says when to count in chunks', () => {
    const small = createCallTokenEstimator({ chunkChars: 100 });
    expect(small.isLarge({ model: 'gpt-4o', outputText: 'x'.repeat(100) })).toBe(false);
    expect(small.isLarge({ model: 'gpt-4o', outputText: 'x'.repeat(60), prompt: { messages: ['y'.repeat(60)] } })).toBe(
      true,
    );
  });

  it('charsPerToken (TOKEN_ESTIMATION_RATIO) replaces the approximation; explicit options win over the environment', () => {
    const fromEnv = createCallTokenEstimator({ env: { TOKEN_ESTIMATION_RATIO: '3' } });
    expect(fromEnv.estimate({ model: 'gemini-2.5-pro', outputText: 'x'.repeat(30) })).toMatchObject({
      output: 10,
      method: 'chars',
      ratio: 3,
    });
    const explicit = createCallTokenEstimator({ env: { TOKEN_ESTIMATION_RATIO: '3' }, charsPerToken: 5 });
    expect(explicit.estimate({ model: 'gemini-2.5-pro', outputText: 'x'.repeat(30) }).output).toBe(6);
    expect(explicit.methodFor('gpt-5')).toMatchObject({ source: 'tokenizer', method: 'o200k_base', ratio: 1 });
  });

  it('a bad ratio is a ConfigError naming it', () => {
    expect(() => createCallTokenEstimator({ ratios: { gemini: 0 } })).toThrow(ConfigError);
    expect(() => createCallTokenEstimator({ ratios: { gemini: Number.POSITIVE_INFINITY } })).toThrow(/ratios\.gemini/);
    expect(() => createCallTokenEstimator({ env: { TOKEN_ESTIMATION_RATIO: '-2' } })).toThrow(/TOKEN_ESTIMATION_RATIO/);
  });
});
