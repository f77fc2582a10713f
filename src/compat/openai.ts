/**
 * The `llm-ledger/openai` subpath, kept for one minor version: everything here is exported by the
 * root (`import { wrapOpenAI } from 'llm-ledger'`), where it should be imported from.
 */
import { wrapOpenAI as wrapOpenAIFromRoot, isOpenAILike as isOpenAILikeFromRoot } from '../capture/openai.js';
import type { OpenAILike as OpenAILikeFromRoot } from '../capture/openai.js';

/** @deprecated Import `wrapOpenAI` from `llm-ledger`; the `llm-ledger/openai` subpath goes away in the next minor version. */
export const wrapOpenAI = wrapOpenAIFromRoot;
/** @deprecated `wrapClient` (from `llm-ledger`) detects the client itself; this subpath goes away in the next minor version. */
export const isOpenAILike = isOpenAILikeFromRoot;
/** @deprecated Import `OpenAILike` from `llm-ledger`; this subpath goes away in the next minor version. */
export type OpenAILike = OpenAILikeFromRoot;
