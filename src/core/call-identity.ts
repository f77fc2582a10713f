import { newCallId } from './call-id.js';
import type { CallInit, CallStart } from './call-types.js';
import type { CallContext } from './context.js';
import { NO_METADATA, NO_TAGS } from './record.js';

/** A call's attribution, once the init and the surrounding context are merged and checked. */
export interface ResolvedIdentity {
  id: string;
  traceId: string;
  parentId: string | null;
  sessionId: string | null;
  userId: string | null;
  tenantId: string | null;
  requestId: string | null;
  tags: readonly string[];
  metadata: Record<string, unknown>;
}

/** Where values that had to be converted are reported (the ledger; it throws when fail-closed). */
export interface InputReporter {
  invalid(field: string, message: string): void;
}

/** Attribution not given in `init` is inherited from `context` (`ledger.context()` / `logCall()`). */
export function resolveIdentity(
  reporter: InputReporter,
  init: CallInit,
  context: CallContext | undefined,
): ResolvedIdentity {
  const id = text(reporter, 'id', init.id) ?? newCallId();
  const ownMetadata = init.metadata;
  return {
    id,
    traceId: text(reporter, 'traceId', init.traceId) ?? text(reporter, 'traceId', context?.traceId) ?? id,
    parentId:
      init.parentId !== undefined
        ? (text(reporter, 'parentId', init.parentId) ?? null)
        : (text(reporter, 'parentId', context?.parentId) ?? null),
    sessionId: text(reporter, 'sessionId', init.sessionId) ?? text(reporter, 'sessionId', context?.sessionId) ?? null,
    userId: text(reporter, 'userId', init.userId) ?? text(reporter, 'userId', context?.userId) ?? null,
    tenantId: text(reporter, 'tenantId', init.tenantId) ?? text(reporter, 'tenantId', context?.tenantId) ?? null,
    requestId: text(reporter, 'requestId', init.requestId) ?? text(reporter, 'requestId', context?.requestId) ?? null,
    tags: mergeTags(tagList(reporter, context?.tags), tagList(reporter, init.tags)),
    metadata:
      context?.metadata && isObject(ownMetadata)
        ? { ...context.metadata, ...ownMetadata }
        : ownMetadata === undefined
          ? (context?.metadata ?? NO_METADATA)
          : ownMetadata,
  };
}

/** An attribution value as text; anything else is refused (never stringified) and reported. */
function text(reporter: InputReporter, field: string, value: unknown): string | undefined {
  if (typeof value === 'string') {
    if (isIdText(value)) return value;
    // An empty id could never be looked up again (queries refuse empty values): it is left out.
    reporter.invalid(field, `expected non-empty, well-formed text of at most ${MAX_ID_CHARS} characters; ignored`);
    return undefined;
  }
  if (value === undefined || value === null) return undefined;
  reporter.invalid(field, `expected a string, got ${Array.isArray(value) ? 'an array' : typeof value}; ignored`);
  return undefined;
}

/** Ids and attribution are keys in indexes and metrics labels, not content. */
export const MAX_ID_CHARS = 1000;

/** Whether text can be an id, a tag or an attribution value as it is: non-empty, well-formed, not too long. */
export function isIdText(value: string): boolean {
  return value.length > 0 && value.length <= MAX_ID_CHARS && value.isWellFormed();
}

function tagList(reporter: InputReporter, tags: unknown): readonly string[] | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (!Array.isArray(tags)) {
    reporter.invalid('tags', `expected an array of strings, got ${typeof tags}`);
    return typeof tags === 'string' && tags.length <= MAX_ID_CHARS && tags.isWellFormed() ? [tags] : undefined;
  }
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length > MAX_ID_CHARS || !tag.isWellFormed()) {
      reporter.invalid(
        'tags',
        `expected an array of well-formed strings (at most ${MAX_ID_CHARS} characters), found ${typeof tag === 'string' ? 'an invalid string' : `a ${typeof tag}`}; it is left out`,
      );
      return tags.filter(
        (item: unknown): item is string =>
          typeof item === 'string' && item.length <= MAX_ID_CHARS && item.isWellFormed(),
      );
    }
  }
  return tags as readonly string[];
}

function mergeTags(inherited: readonly string[] | undefined, own: readonly string[] | undefined): readonly string[] {
  if (!inherited || inherited.length === 0) return own && own.length > 0 ? own.slice() : NO_TAGS;
  if (!own || own.length === 0) return inherited.slice();
  return [...new Set([...inherited, ...own])];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What calls started inside a call inherit: its resolved trace, session, user and tenant (not its
 * tags, metadata or request id, which describe the parent call itself).
 */
export function childContextOf(call: CallStart): CallContext {
  const childContext: CallContext = { traceId: call.traceId, parentId: call.id };
  if (call.sessionId !== null) childContext.sessionId = call.sessionId;
  if (call.userId !== null) childContext.userId = call.userId;
  if (call.tenantId !== null) childContext.tenantId = call.tenantId;
  return childContext;
}
