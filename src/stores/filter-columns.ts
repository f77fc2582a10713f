import type { CallFilter } from '../core/store.js';

/**
 * Which CallFilter field reads which `llm_request_logs` column, for every SQL store. Only these
 * fixed names are ever spliced into SQL text; filter values travel as bound parameters.
 */
export const EQUAL_COLUMNS = [
  ['sessionId', 'session_id'],
  ['userId', 'user_id'],
  ['tenantId', 'tenant_id'],
  ['traceId', 'trace_id'],
  ['requestId', 'request_id'],
] as const satisfies ReadonlyArray<readonly [keyof CallFilter, string]>;

/** Fields that take one value or a list (`IN`). */
export const LIST_COLUMNS = [
  ['callType', 'call_type'],
  ['status', 'status'],
  ['costStatus', 'cost_status'],
  ['provider', 'provider'],
  ['model', 'model'],
] as const satisfies ReadonlyArray<readonly [keyof CallFilter, string]>;
