/** The BPE encodings we count with. */
export type BpeEncodingName = 'o200k_base' | 'cl100k_base';

const O200K =
  /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-6|gpt-oss|gpt-image|gpt-realtime|gpt-audio|gpt-chat|o[134](?:$|-)|codex-|computer-use|omni-moderation)/;
const CL100K = /^(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)/;

const memo = new Map<string, BpeEncodingName | null>();

/**
 * The tokenizer an OpenAI model uses: `o200k_base` for gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and the
 * o-series; `cl100k_base` for gpt-4, gpt-3.5 and the v3 embeddings. Undefined for any other model:
 * other vendors' tokenizers are not public, so their counts are estimates. Provider prefixes
 * (`openai/`, `azure/`) and fine-tune names (`ft:gpt-4o-mini-2024-07-18:org::id`) are understood.
 */
export function encodingForModel(model: string): BpeEncodingName | undefined {
  let cached = memo.get(model);
  if (cached === undefined) {
    const name = model
      .trim()
      .toLowerCase()
      .replace(/^(?:openai|azure|azure_openai|azure-openai)[/:]/, '')
      .replace(/^ft:/, '');
    cached = O200K.test(name) ? 'o200k_base' : CL100K.test(name) ? 'cl100k_base' : null;
    if (memo.size > 1000) memo.clear();
    memo.set(model, cached);
  }
  return cached ?? undefined;
}
