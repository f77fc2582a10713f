/**
 * The names callers and SDKs use for a provider, mapped to catalog provider ids. Capture adapters
 * record `gemini`, OpenTelemetry says `gcp.gemini` or `aws.bedrock`, LiteLLM-style prefixes say
 * `bedrock/` or `vertex_ai/`: all of them must find the same prices.
 */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  openai: 'openai',
  'azure-openai': 'azure',
  azure_openai: 'azure',
  azureopenai: 'azure',
  'azure.ai.openai': 'azure',
  azure: 'azure',
  anthropic: 'anthropic',
  claude: 'anthropic',
  google: 'google',
  gemini: 'google',
  'google-genai': 'google',
  'google-gemini': 'google',
  'google-ai': 'google',
  vertex: 'google',
  vertexai: 'google',
  'vertex-ai': 'google',
  vertex_ai: 'google',
  'google-vertex': 'google',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  aws: 'aws',
  bedrock: 'aws',
  'aws-bedrock': 'aws',
  'amazon-bedrock': 'aws',
  'aws.bedrock': 'aws',
  mistral: 'mistral',
  mistralai: 'mistral',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'x-ai',
  'x-ai': 'x-ai',
  x_ai: 'x-ai',
  grok: 'x-ai',
  cohere: 'cohere',
  together: 'together',
  'together-ai': 'together',
  togetherai: 'together',
  together_ai: 'together',
  openrouter: 'openrouter',
  fireworks: 'fireworks',
  'fireworks-ai': 'fireworks',
  fireworks_ai: 'fireworks',
  perplexity: 'perplexity',
  cerebras: 'cerebras',
  moonshot: 'moonshotai',
  moonshotai: 'moonshotai',
  kimi: 'moonshotai',
  zhipu: 'zhipuai',
  zhipuai: 'zhipuai',
  zai: 'zai',
  'z-ai': 'zai',
  minimax: 'minimax',
  voyage: 'voyageai',
  voyageai: 'voyageai',
  cloudflare: 'cloudflare',
  'workers-ai': 'cloudflare',
  novita: 'novita',
  baseten: 'baseten',
};

/**
 * The catalog provider id for a provider name, or undefined when the name is unknown (then the
 * model name alone decides). Known catalog ids map to themselves.
 */
export function catalogProviderId(name: string | null | undefined, knownIds: ReadonlySet<string>): string | undefined {
  if (!name) return undefined;
  const key = name.trim().toLowerCase();
  if (knownIds.has(key)) return key;
  const alias = PROVIDER_ALIASES[key];
  return alias !== undefined && knownIds.has(alias) ? alias : undefined;
}
