/** AI SDK provider ids whose first segment is not the name the pricer knows. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  'google.generative-ai': 'gemini',
  'google.vertex': 'vertex',
  'anthropic.vertex': 'vertex',
  'amazon-bedrock': 'bedrock',
};

/**
 * The provider of an AI SDK model, from `model.provider`: `openai.chat`, `openai.responses` and
 * `openai.embedding` are `openai`, `anthropic.messages` is `anthropic`, `azure.chat` is `azure`,
 * `google.generative-ai` is `gemini`. Models reached through the AI Gateway (`gateway`, model ids
 * such as `openai/gpt-4o`) take the provider from the model id.
 */
export function providerOfModel(provider: unknown, modelId: unknown): string {
  if (typeof provider !== 'string' || provider.length === 0) return 'unknown';
  if (provider === 'gateway' && typeof modelId === 'string' && modelId.includes('/')) {
    return modelId.slice(0, modelId.indexOf('/'));
  }
  for (const [prefix, name] of Object.entries(PROVIDER_NAMES)) {
    if (provider === prefix || provider.startsWith(`${prefix}.`)) return name;
  }
  const dot = provider.indexOf('.');
  return dot > 0 ? provider.slice(0, dot) : provider;
}
