/**
 * The `llm-ledger/anthropic` subpath, kept for one minor version: `wrapAnthropic` and
 * `AnthropicLike` are exported by the root (`import { wrapAnthropic } from 'llm-ledger'`).
 */
import {
  wrapAnthropic as wrapAnthropicFromRoot,
  isAnthropicLike as isAnthropicLikeFromRoot,
  messagesEndpoint as messagesEndpointFromCapture,
} from '../capture/anthropic.js';
import type { AnthropicLike as AnthropicLikeFromRoot } from '../capture/anthropic.js';

/** @deprecated Import `wrapAnthropic` from `llm-ledger`; this subpath goes away in the next minor version. */
export const wrapAnthropic = wrapAnthropicFromRoot;
/** @deprecated `wrapClient` (from `llm-ledger`) detects the client itself; this subpath goes away in the next minor version. */
export const isAnthropicLike = isAnthropicLikeFromRoot;
/** @deprecated Internal to capture; this subpath goes away in the next minor version. */
export const messagesEndpoint = messagesEndpointFromCapture;
/** @deprecated Import `AnthropicLike` from `llm-ledger`; this subpath goes away in the next minor version. */
export type AnthropicLike = AnthropicLikeFromRoot;
