/**
 * The provider SDKs are devDependencies of llm-ledger, not dependencies: the demo loads them when it
 * runs, never at module load, so the CLI works without them (it then falls back to simulated calls).
 */
export interface DemoSdks {
  OpenAI: typeof import('openai').default;
  Anthropic: typeof import('@anthropic-ai/sdk').default;
  GoogleGenAI: typeof import('@google/genai').GoogleGenAI;
}

export type SdkLoad = { ok: true; sdks: DemoSdks } | { ok: false; missing: string };

/** Imports the three SDKs; `missing` names the first one that could not be loaded. */
export async function loadSdks(): Promise<SdkLoad> {
  let name = 'openai';
  try {
    const openai = await import('openai');
    name = '@anthropic-ai/sdk';
    const anthropic = await import('@anthropic-ai/sdk');
    name = '@google/genai';
    const genai = await import('@google/genai');
    return { ok: true, sdks: { OpenAI: openai.default, Anthropic: anthropic.default, GoogleGenAI: genai.GoogleGenAI } };
  } catch {
    return { ok: false, missing: name };
  }
}
