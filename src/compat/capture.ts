/**
 * The `llm-ledger/capture` subpath, kept for one minor version: the root exports all of it
 * (`import { wrapClient, trackLLMCall } from 'llm-ledger'`).
 */
import * as capture from '../capture/index.js';
import type * as captureTypes from '../capture/index.js';

/** @deprecated Import `wrapClient` from `llm-ledger`; this subpath goes away in the next minor version. */
export const wrapClient = capture.wrapClient;
/** @deprecated Import `wrapOpenAI` from `llm-ledger`; this subpath goes away in the next minor version. */
export const wrapOpenAI = capture.wrapOpenAI;
/** @deprecated Import `wrapAnthropic` from `llm-ledger`; this subpath goes away in the next minor version. */
export const wrapAnthropic = capture.wrapAnthropic;
/** @deprecated Import `wrapGemini` from `llm-ledger`; this subpath goes away in the next minor version. */
export const wrapGemini = capture.wrapGemini;
/** @deprecated `wrapClient` (from `llm-ledger`) detects the client itself; this subpath goes away in the next minor version. */
export const isOpenAILike = capture.isOpenAILike;
/** @deprecated `wrapClient` (from `llm-ledger`) detects the client itself; this subpath goes away in the next minor version. */
export const isAnthropicLike = capture.isAnthropicLike;
/** @deprecated `wrapClient` (from `llm-ledger`) detects the client itself; this subpath goes away in the next minor version. */
export const isGeminiLike = capture.isGeminiLike;
/** @deprecated Import `trackLLMCall` from `llm-ledger`; this subpath goes away in the next minor version. */
export const trackLLMCall = capture.trackLLMCall;
/** @deprecated Import `classifyError` from `llm-ledger`; this subpath goes away in the next minor version. */
export const classifyError = capture.classifyError;
/** @deprecated Import `ProviderStreamError` from `llm-ledger`; this subpath goes away in the next minor version. */
export const ProviderStreamError = capture.ProviderStreamError;
/** @deprecated Import `ProviderStreamError` from `llm-ledger`; this subpath goes away in the next minor version. */
export type ProviderStreamError = captureTypes.ProviderStreamError;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type OpenAILike = captureTypes.OpenAILike;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type AnthropicLike = captureTypes.AnthropicLike;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type GeminiLike = captureTypes.GeminiLike;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type TrackLLMCallOptions = captureTypes.TrackLLMCallOptions;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type TrackedCall = captureTypes.TrackedCall;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type CaptureDefaults = captureTypes.CaptureDefaults;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type CaptureLedger = captureTypes.CaptureLedger;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type ClassifiedError = captureTypes.ClassifiedError;
/** @deprecated Import from `llm-ledger`; this subpath goes away in the next minor version. */
export type ErrorClass = captureTypes.ErrorClass;
