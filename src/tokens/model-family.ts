import { encodingForModel } from './encoding-for-model.js';

/**
 * Whose tokenizer a model uses. Only OpenAI publishes its encodings; the other families are
 * approximated with o200k_base scaled by a measured ratio (see `DEFAULT_FAMILY_RATIOS`).
 */
export type TokenFamily = 'openai' | 'anthropic' | 'gemini' | 'other';

/** The families counted by approximation, whose ratio can be configured. */
export type ApproximatedFamily = Exclude<TokenFamily, 'openai'>;

const ANTHROPIC = /(?:^|[^a-z])claude/;
const GEMINI = /(?:^|[^a-z])(?:gemini|gemma|learnlm)/;

/**
 * The family of `model`, from its name first (a Claude model served by Bedrock or Vertex is still
 * a Claude model), then from the provider the call went to.
 */
export function tokenFamilyOf(model: string, provider?: string | null): TokenFamily {
  if (encodingForModel(model)) return 'openai';
  const name = model.toLowerCase();
  if (ANTHROPIC.test(name)) return 'anthropic';
  if (GEMINI.test(name)) return 'gemini';
  switch (provider?.toLowerCase()) {
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
    case 'google':
    case 'vertex':
    case 'vertexai':
      return 'gemini';
    default:
      return 'other';
  }
}
