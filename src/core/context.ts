import { AsyncLocalStorage } from 'node:async_hooks';

/** Attribution that calls started inside `ledger.context()` or `ledger.logCall()` inherit. */
export interface CallContext {
  traceId?: string;
  parentId?: string;
  sessionId?: string;
  userId?: string;
  tenantId?: string;
  requestId?: string;
  tags?: readonly string[];
  metadata?: Readonly<Record<string, unknown>>;
}

const storage = new AsyncLocalStorage<CallContext>();

export function currentContext(): CallContext | undefined {
  return storage.getStore();
}

/** Nested contexts override scalar fields, concatenate tags and merge metadata. */
export function mergeContext(outer: CallContext | undefined, inner: CallContext): CallContext {
  if (!outer) return inner;
  const merged: CallContext = { ...outer, ...stripUndefined(inner) };
  // A new trace starts a new tree: a parent from the outer trace would link across traces.
  if (inner.traceId !== undefined && inner.traceId !== outer.traceId && inner.parentId === undefined) {
    delete merged.parentId;
  }
  if (outer.tags && inner.tags) merged.tags = [...new Set([...outer.tags, ...inner.tags])];
  if (outer.metadata && inner.metadata) merged.metadata = { ...outer.metadata, ...inner.metadata };
  return merged;
}

export function runInContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(mergeContext(storage.getStore(), context), fn);
}

function stripUndefined(context: CallContext): CallContext {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) if (value !== undefined) result[key] = value;
  return result as CallContext;
}
