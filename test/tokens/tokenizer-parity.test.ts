/**
 * Our counts against another maintained BPE implementation (js-tiktoken) on a varied corpus, for
 * both encodings; and chunked counting against whole-text counting.
 */
import { getEncoding, type Tiktoken } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { countInChunks, isPieceBoundary, splitAtPieceBoundaries } from '../../src/tokens/chunked-count.js';
import { countBpeTokens } from '../../src/tokens/bpe-tokenizers.js';
import { encodingForModel } from '../../src/tokens/encoding-for-model.js';
import { createTokenCounter } from '../../src/tokens/token-counter.js';

const CODE = `import { readFile } from 'node:fs/promises';

export async function load(path: string): Promise<Record<string, number>> {
  const text = await readFile(path, 'utf8');
  return JSON.parse(text) as Record<string, number>; // trust the file
}

for (let i = 0; i < 10; i++) {
\tif (i % 2 === 0) console.log(\`even \${i}\`);
}
def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n`;

const CJK =
  '自然言語処理は人工知能の一分野です。機械学習を用いてテキストを解析します。' +
  '大型语言模型可以生成文本、翻译语言并回答问题。' +
  '대규모 언어 모델은 텍스트를 생성하고 질문에 답할 수 있습니다.';

const EMOJI = 'Launch 🚀 done ✅ — family 👨‍👩‍👧‍👦, flags 🇫🇷🇯🇵, skin tones 👍🏽👋🏿, keycap 1️⃣ and ZWJ 🧑‍💻🏳️‍🌈';

const PROSE =
  'The ledger records every call exactly once: its tokens, its cost in exact decimals and its latency. ' +
  "It doesn't drop a call when the store is slow, and it won't count cached tokens twice. ";

const CORPUS: Record<string, string> = {
  empty: '',
  code: CODE,
  cjk: CJK,
  emoji: EMOJI,
  prose: PROSE,
  'long text': (PROSE + CODE + CJK + EMOJI).repeat(60),
  whitespace: 'a  b   c\n\n\n  d\t\te \r\n f   \n   \n',
  numbers: '3.14159265358979 1,234,567.89 0x1F 2025-06-10T12:00:00Z 1e-7 -42',
  'special tokens as text': 'user wrote <|endoftext|> and <|im_start|>system<|im_end|> literally',
  accents: 'Ça coûte 12,50 € — naïve façade, Ærøskøbing, Ελληνικά, русский текст, עברית, العربية',
  urls: 'https://example.com/path?q=a&b=c#frag /usr/local/bin/node ./src/index.ts',
  json: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2 }),
  markdown: '# Title\n\n- item one\n- item two\n\n```ts\nconst x = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
};

const REFERENCE: Record<'o200k_base' | 'cl100k_base', Tiktoken> = {
  o200k_base: getEncoding('o200k_base'),
  cl100k_base: getEncoding('cl100k_base'),
};

/** js-tiktoken counting ordinary text (no special tokens), as the API bills a prompt's text. */
function reference(encoding: 'o200k_base' | 'cl100k_base', text: string): number {
  return REFERENCE[encoding].encode(text, [], []).length;
}

describe("token counts equal js-tiktoken's", () => {
  const counter = createTokenCounter();
  for (const [model, encoding] of [
    ['gpt-4o', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
  ] as const) {
    it.each(Object.entries(CORPUS))(`${model} (${encoding}): %s`, (_name, text) => {
      const count = counter.countText(text, model);
      expect(count).toEqual({ tokens: reference(encoding, text), source: 'tokenizer', method: encoding });
    });
  }
});

describe('the encoding per model family', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-4.5-preview', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['gpt-5-mini', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o1-mini', 'o200k_base'],
    ['o3-mini-2025-01-31', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['openai/gpt-4o', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-0613', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['gpt-35-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['claude-sonnet-4-20250514', undefined],
    ['gemini-2.5-pro', undefined],
    ['o2-something', undefined],
    ['llama-3.3-70b', undefined],
  ])('%s -> %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('chunked counting gives the same total', () => {
  it('cuts only at piece boundaries and loses nothing', () => {
    const text = CORPUS['long text']!;
    const chunks = splitAtPieceBoundaries(text, 500);
    expect(chunks.length).toBeGreaterThan(20);
    expect(chunks.join('')).toBe(text);
    expect(isPieceBoundary('foo\nbar', 4)).toBe(true);
    expect(isPieceBoundary('foo bar', 3)).toBe(true);
    expect(isPieceBoundary('foo  bar', 3)).toBe(false); // a run of spaces is its own piece
    expect(isPieceBoundary('foo.\n/bar', 5)).toBe(false);
  });

  it.each(['o200k_base', 'cl100k_base'] as const)('%s: every corpus text, small chunks', async (encoding) => {
    for (const [name, text] of Object.entries(CORPUS)) {
      for (const size of [16, 64, 333]) {
        const chunked = await countInChunks(text, (piece) => countBpeTokens(encoding, piece), size);
        expect(chunked, `${name} in chunks of ${size}`).toBe(reference(encoding, text));
      }
    }
  });

  it('a large prompt yields to the event loop while it is counted', async () => {
    const counter = createTokenCounter({ chunkChars: 4_096 });
    const text = CORPUS['long text']!.repeat(4);
    let finished = false;
    const counting = counter.countTextAsync(text, 'gpt-4o').then((count) => {
      finished = true;
      return count;
    });
    // Scheduled after counting began: it runs between two chunks, before the count is done.
    const ranWhileCounting = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!finished)));
    expect(ranWhileCounting).toBe(true);
    expect((await counting).tokens).toBe(reference('o200k_base', text));
  });
});
