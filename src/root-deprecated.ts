/**
 * Names the root exported before `llm-ledger/extend` existed, kept for one minor version so code
 * written against 0.1 keeps compiling. Each says where it lives now.
 */
import * as money from './core/money.js';
import * as costUnits from './meters/counters/cost-units.js';
import { limitsConfigSchema as limitsSchema } from './meters/limits/limits-config.js';
import { meterSettingsSchema as meterSchema } from './meters/meter-config.js';
import { SENTIMENT_SYSTEM_PROMPT as sentimentPrompt } from './core/task-inits.js';

/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const parseDecimal = money.parseDecimal;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const formatDecimal = money.formatDecimal;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const addDecimal = money.addDecimal;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const multiplyDecimal = money.multiplyDecimal;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const roundDecimal = money.roundDecimal;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const toFixedDecimal = money.toFixedDecimal;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const sumDecimalStrings = money.sumDecimalStrings;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const COST_SCALE = costUnits.COST_SCALE;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const costToUnits = costUnits.costToUnits;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const unitsToCost = costUnits.unitsToCost;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const limitsConfigSchema = limitsSchema;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const meterSettingsSchema = meterSchema;
/** @deprecated Import from `llm-ledger/extend`; the root stops exporting it in the next minor version. */
export const SENTIMENT_SYSTEM_PROMPT = sentimentPrompt;

// Acronyms are upper case across the API (`wrapOpenAI`, `trackLLMCall`); the old spellings stay
// for one minor version.
import { createLLMLogger as createLLMLoggerNow, LLMLogger as LLMLoggerNow } from './observe/logging/index.js';
import type {
  LLMLoggerOptions as LLMLoggerOptionsNow,
  LLMEventName as LLMEventNameNow,
  LLMEventSpec as LLMEventSpecNow,
} from './observe/logging/index.js';
import type {
  LLMCallExtra as LLMCallExtraNow,
  LLMResponseLike as LLMResponseLikeNow,
} from './meters/callbacks/token-callback.js';
import { tokenUsageFromOpenAI as tokenUsageFromOpenAINow } from './tokens/openai-usage.js';

/** @deprecated Renamed `createLLMLogger`; the old name goes away in the next minor version. */
export const createLlmLogger = createLLMLoggerNow;
/** @deprecated Renamed `LLMLogger`; the old name goes away in the next minor version. */
export const LlmLogger = LLMLoggerNow;
/** @deprecated Renamed `LLMLogger`; the old name goes away in the next minor version. */
export type LlmLogger = LLMLoggerNow;
/** @deprecated Renamed `LLMLoggerOptions`; the old name goes away in the next minor version. */
export type LlmLoggerOptions = LLMLoggerOptionsNow;
/** @deprecated Renamed `LLMEventName`; the old name goes away in the next minor version. */
export type LlmEventName = LLMEventNameNow;
/** @deprecated Renamed `LLMEventSpec`; the old name goes away in the next minor version. */
export type LlmEventSpec = LLMEventSpecNow;
/** @deprecated Renamed `LLMCallExtra`; the old name goes away in the next minor version. */
export type LlmCallExtra = LLMCallExtraNow;
/** @deprecated Renamed `LLMResponseLike`; the old name goes away in the next minor version. */
export type LlmResponseLike = LLMResponseLikeNow;
/** @deprecated Renamed `tokenUsageFromOpenAI`; the old name goes away in the next minor version. */
export const tokenUsageFromOpenAi = tokenUsageFromOpenAINow;
