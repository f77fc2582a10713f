import type { Endpoint } from './endpoint.js';
import { admissionModeOf } from './admission.js';
import { createBinding, type CaptureDefaults, type CaptureLedger } from './capture-defaults.js';
import { messagesCallInit } from './anthropic/messages-request.js';
import { messageCallResult } from './anthropic/messages-response.js';
import { MessagesStreamAccumulator } from './anthropic/messages-stream-accumulator.js';
import { installReplayFetch } from './cache/replay-fetch.js';
import { patchMethod } from './patch-method.js';
import { providerOfClient } from './provider-name.js';
import { recordSdkCall } from './record-call.js';

type Method = (...args: never[]) => unknown;

/** What capture needs of an `@anthropic-ai/sdk` client; detected by shape. */
export interface AnthropicLike {
  messages: { create: Method; stream?: Method };
}

export function isAnthropicLike(client: unknown): client is AnthropicLike {
  const candidate = client as Partial<AnthropicLike> | null;
  return typeof candidate?.messages?.create === 'function' && typeof candidate.messages.stream === 'function';
}

export const messagesEndpoint: Endpoint = {
  request: messagesCallInit,
  isStream: (request) => request.stream === true,
  prepareStream: (request) => ({ params: request, accumulator: new MessagesStreamAccumulator() }),
  response: (data) => ({ result: messageCallResult(data) }),
  cacheName: 'messages',
};

/**
 * Records every `messages.create` of an `@anthropic-ai/sdk` client, streamed or not, including
 * the ones `messages.stream()` and `messages.parse()` make, and returns the same client.
 *
 * @example
 * import Anthropic from '@anthropic-ai/sdk';
 * const anthropic = wrapAnthropic(ledger, new Anthropic());
 * const message = await anthropic.messages.stream({ model, max_tokens: 1024, messages }).finalMessage();
 */
export function wrapAnthropic<C extends AnthropicLike>(
  ledger: CaptureLedger,
  client: C,
  defaults: CaptureDefaults = {},
): C {
  const binding = createBinding(ledger, defaults, admissionModeOf(ledger, client));
  if (ledger.cache !== undefined && defaults.cache !== false) {
    installReplayFetch(client);
    binding.replayVia = 'client-fetch';
  }
  const provider = defaults.provider ?? providerOfClient(client, 'anthropic');
  patchMethod(client.messages, 'create', binding, (current, original, self, args) =>
    recordSdkCall(current, messagesEndpoint, current.defaults.provider ?? provider, original, self, args),
  );
  return client;
}
