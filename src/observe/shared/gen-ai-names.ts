/**
 * How ledger values map onto OpenTelemetry GenAI vocabulary. Shared by the span handler and
 * the Prometheus metrics so both describe a call with the same words.
 */

/**
 * `gen_ai.operation.name` for a call type. The ledger's task types (sentiment analysis,
 * summarization, ...) are chat requests on the wire; only embeddings are a different operation.
 *
 * @example
 * operationName('EMBEDDING'); // 'embeddings'
 * operationName('SUMMARIZATION'); // 'chat'
 */
export function operationName(callType: string): string {
  switch (callType) {
    case 'EMBEDDING':
      return 'embeddings';
    case 'TEXT_COMPLETION':
      return 'text_completion';
    default:
      return 'chat';
  }
}

// Only names whose semconv spelling differs from what capture adapters record.
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  google: 'gcp.gemini',
  gemini: 'gcp.gemini',
  'google-genai': 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  'vertex-ai': 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  'aws-bedrock': 'aws.bedrock',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  mistral: 'mistral_ai',
  xai: 'x_ai',
};

/**
 * `gen_ai.provider.name` for a ledger provider string; unknown names pass through unchanged.
 *
 * @example
 * providerName('google'); // 'gcp.gemini'
 * providerName('openai'); // 'openai'
 */
export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}
