/** Hosts of OpenAI-compatible APIs, so calls through an `openai` client are priced as the real provider's. */
const HOST_PROVIDERS: ReadonlyArray<[RegExp, string]> = [
  [/\.openai\.azure\.com$|\.cognitiveservices\.azure\.com$|\.services\.ai\.azure\.com$/, 'azure'],
  [/(^|\.)openrouter\.ai$/, 'openrouter'],
  [/(^|\.)deepseek\.com$/, 'deepseek'],
  [/(^|\.)groq\.com$/, 'groq'],
  [/(^|\.)x\.ai$/, 'xai'],
  [/(^|\.)together\.(xyz|ai)$/, 'together'],
  [/(^|\.)fireworks\.ai$/, 'fireworks'],
  [/(^|\.)mistral\.ai$/, 'mistral'],
  [/(^|\.)perplexity\.ai$/, 'perplexity'],
  [/(^|\.)cerebras\.ai$/, 'cerebras'],
  [/(^|\.)moonshot\.(ai|cn)$/, 'moonshotai'],
  [/^generativelanguage\.googleapis\.com$/, 'gemini'],
  [/(^|\.)anthropic\.com$/, 'anthropic'],
];

/** The provider an SDK client talks to: its class (AzureOpenAI) or its base URL's host, else `fallback`. */
export function providerOfClient(client: object, fallback: string): string {
  if ((client as { constructor?: { name?: string } }).constructor?.name === 'AzureOpenAI') return 'azure';
  const baseURL = (client as { baseURL?: unknown }).baseURL;
  if (typeof baseURL !== 'string') return fallback;
  let host: string;
  try {
    host = new URL(baseURL).hostname;
  } catch {
    return fallback;
  }
  for (const [pattern, provider] of HOST_PROVIDERS) if (pattern.test(host)) return provider;
  return fallback;
}
