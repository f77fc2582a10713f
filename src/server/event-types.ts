import type { CallCost, CallRecord } from '../core/record.js';

/*
 * What /api/v1/events sends, as types only: the dashboard (built for the browser, without Node's
 * types) shares them with the server rather than keeping copies that could drift.
 */

/** What `event: call` carries: the call's row in a table, not its content (fetch `/api/v1/calls/:id` for that). */
export interface CallEventData extends Pick<
  CallRecord,
  | 'id'
  | 'traceId'
  | 'parentId'
  | 'sessionId'
  | 'userId'
  | 'tenantId'
  | 'callType'
  | 'provider'
  | 'model'
  | 'status'
  | 'startedAt'
  | 'endedAt'
  | 'latencyMs'
  | 'ttftMs'
  | 'tokens'
  | 'errorType'
  | 'tags'
> {
  /** The cost without its breakdown and history. */
  cost: Pick<CallCost, 'total' | 'currency' | 'status'> | null;
}

/** An alert for `event: alert`: `source` says who raised it; `tenantId` scopes it (null: every tenant's view, unscoped tokens only). */
export interface AlertEventData {
  source: 'monitor' | 'meter';
  name: string;
  at: string;
  fields: Record<string, unknown>;
}

/** `event: missed`: the events after `lastEventId` are not all replayed (too old, or another server process). */
export interface MissedEventData {
  reason: 'expired' | 'restarted';
  lastEventId: string;
  message: string;
}
