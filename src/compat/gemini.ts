/**
 * The `llm-ledger/gemini` subpath, kept for one minor version: `wrapGemini` and `GeminiLike` are
 * exported by the root (`import { wrapGemini } from 'llm-ledger'`).
 */
import {
  wrapGemini as wrapGeminiFromRoot,
  isGeminiLike as isGeminiLikeFromRoot,
  generateContentEndpoint as generateContentEndpointFromCapture,
  generateContentStreamEndpoint as generateContentStreamEndpointFromCapture,
  embedContentEndpoint as embedContentEndpointFromCapture,
} from '../capture/gemini.js';
import type { GeminiLike as GeminiLikeFromRoot } from '../capture/gemini.js';

/** @deprecated Import `wrapGemini` from `llm-ledger`; this subpath goes away in the next minor version. */
export const wrapGemini = wrapGeminiFromRoot;
/** @deprecated `wrapClient` (from `llm-ledger`) detects the client itself; this subpath goes away in the next minor version. */
export const isGeminiLike = isGeminiLikeFromRoot;
/** @deprecated Internal to capture; this subpath goes away in the next minor version. */
export const generateContentEndpoint = generateContentEndpointFromCapture;
/** @deprecated Internal to capture; this subpath goes away in the next minor version. */
export const generateContentStreamEndpoint = generateContentStreamEndpointFromCapture;
/** @deprecated Internal to capture; this subpath goes away in the next minor version. */
export const embedContentEndpoint = embedContentEndpointFromCapture;
/** @deprecated Import `GeminiLike` from `llm-ledger`; this subpath goes away in the next minor version. */
export type GeminiLike = GeminiLikeFromRoot;
