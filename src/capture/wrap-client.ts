import { isAnthropicLike, wrapAnthropic } from './anthropic.js';
import type { CaptureDefaults, CaptureLedger } from './capture-defaults.js';
import { isGeminiLike, wrapGemini } from './gemini.js';
import { isOpenAILike, wrapOpenAI } from './openai.js';

/**
 * Records every call an `openai`, `@anthropic-ai/sdk` or `@google/genai` client makes and returns
 * the same client, typed as it was: same return types, same stream objects, same errors. The
 * client is recognised by its shape, so none of the SDKs is a dependency. It is instrumented in
 * place; wrapping it again only rebinds it to the new ledger and defaults.
 *
 * @example
 * const openai = wrapClient(ledger, new OpenAI(), { userId: 'u-42' });
 * await ledger.context({ sessionId: 's-1' }, () => openai.chat.completions.create({ model, messages }));
 */
export function wrapClient<C extends object>(ledger: CaptureLedger, client: C, defaults: CaptureDefaults = {}): C {
  if (isOpenAILike(client)) return wrapOpenAI(ledger, client, defaults);
  if (isAnthropicLike(client)) return wrapAnthropic(ledger, client, defaults);
  if (isGeminiLike(client)) return wrapGemini(ledger, client, defaults);
  ledger.reportInvalidInput(
    'client',
    'not an openai, @anthropic-ai/sdk or @google/genai client; its calls are not recorded (use trackLLMCall or ledger.logCall)',
  );
  return client;
}
