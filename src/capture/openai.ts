import { admissionModeOf } from './admission.js';
import { createBinding, type CaptureDefaults, type CaptureLedger } from './capture-defaults.js';
import { chatCompletionsEndpoint, embeddingsEndpoint, responsesEndpoint } from './openai/openai-endpoints.js';
import { installReplayFetch } from './cache/replay-fetch.js';
import { patchMethod } from './patch-method.js';
import { providerOfClient } from './provider-name.js';
import { recordSdkCall } from './record-call.js';

type Method = (...args: never[]) => unknown;

/** What capture needs of an `openai` client; detected by shape, so the SDK stays optional. */
export interface OpenAILike {
  chat: { completions: { create: Method } };
  responses?: { create: Method };
  embeddings?: { create: Method };
}

export function isOpenAILike(client: unknown): client is OpenAILike {
  const candidate = client as Partial<OpenAILike> | null;
  return typeof candidate?.chat?.completions?.create === 'function';
}

/**
 * Records every Chat Completions (`create`, `stream`, `parse`, `runTools`), Responses (`create`,
 * `stream`, `parse`) and Embeddings call of an `openai` client, and returns the same client. The
 * helpers all call `create`, which is the one method recorded, so no call is counted twice.
 *
 * @example
 * import OpenAI from 'openai';
 * const openai = wrapOpenAI(ledger, new OpenAI(), { tags: ['checkout'] });
 * const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
 * for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 */
export function wrapOpenAI<C extends OpenAILike>(ledger: CaptureLedger, client: C, defaults: CaptureDefaults = {}): C {
  const binding = createBinding(ledger, defaults, admissionModeOf(ledger, client));
  if (ledger.cache !== undefined && defaults.cache !== false) {
    installReplayFetch(client);
    binding.replayVia = 'client-fetch';
  }
  const provider = defaults.provider ?? providerOfClient(client, 'openai');
  const install = (resource: object | undefined, endpoint: typeof chatCompletionsEndpoint) => {
    if (!resource) return;
    patchMethod(resource, 'create', binding, (current, original, self, args) =>
      recordSdkCall(current, endpoint, current.defaults.provider ?? provider, original, self, args),
    );
  };
  install(client.chat.completions, chatCompletionsEndpoint);
  install(client.responses, responsesEndpoint);
  install(client.embeddings, embeddingsEndpoint);
  return client;
}
