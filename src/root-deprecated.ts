/**
 * Names the root exported before `llm-ledger/extend` existed, kept for one minor version so code
 * written against 0.1 keeps compiling. Each says where it lives now.
 */
import * as money from './core/money.js';
import * as costUnits from './meters/cost-units.js';
import { limitsConfigSchema as limitsSchema } from './meters/limits/limits-config.js';
import { meterSettingsSchema as meterSchema } from './meters/meter-config.js';
import { SENTIMENT_SYSTEM_PROMPT as sentimentPrompt } from './core/task-helpers.js';

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
