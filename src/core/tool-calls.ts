import { json, type FieldOwner } from './record-fields.js';
import type { ToolCall } from './record.js';

/**
 * Tool calls as every record stores them, whichever road the call came by: `{ id?, type:
 * 'function', function: { name, arguments } }`, arguments as JSON text (what the SDK wrappers
 * store). Hand-logged calls may bring OpenAI's raw `tool_calls` (or the same under `toolCalls`,
 * arguments as an object), Anthropic's `tool_use` blocks, Gemini's `functionCall` parts, or the
 * flat `{ id, name, arguments | args | input }` of other frameworks: each is converted. An entry
 * of no known shape is kept as given and reported, never dropped.
 */
export function toToolCalls(owner: FieldOwner, field: string, given: unknown): ToolCall[] | undefined {
  if (given === undefined || given === null) return undefined;
  if (!Array.isArray(given)) {
    owner.invalid(field, `expected an array of tool calls, got ${kindOf(given)}; ignored`);
    return undefined;
  }
  const calls: ToolCall[] = [];
  for (const [index, entry] of given.entries()) {
    const converted = toToolCall(entry);
    if (converted) {
      calls.push(converted);
      continue;
    }
    owner.invalid(
      `${field}[${index}]`,
      'not a tool call of a known shape ({ id, type, function: { name, arguments } }, a tool_use block, ' +
        'a functionCall, or { id, name, arguments }); kept as given',
    );
    const kept = json(owner, `${field}[${index}]`, entry);
    calls.push(
      (typeof kept === 'object' && kept !== null && !Array.isArray(kept) ? kept : { value: kept }) as ToolCall,
    );
  }
  return calls;
}

function toToolCall(entry: unknown): ToolCall | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const raw = entry as Record<string, unknown>;
  const fn = raw.function;
  if (typeof fn === 'object' && fn !== null && !Array.isArray(fn)) {
    const { name, arguments: args } = fn as { name?: unknown; arguments?: unknown };
    if (typeof name !== 'string') return undefined;
    return functionCall(raw.id, name, args);
  }
  // Gemini: { functionCall: { id?, name, args } }.
  const geminiCall = raw.functionCall ?? raw.function_call;
  if (typeof geminiCall === 'object' && geminiCall !== null) {
    const { id, name, args } = geminiCall as { id?: unknown; name?: unknown; args?: unknown };
    if (typeof name !== 'string') return undefined;
    return functionCall(id, name, args);
  }
  // Anthropic's tool_use block, and the flat shape of LangChain and others.
  if (typeof raw.name === 'string') {
    return functionCall(raw.id, raw.name, raw.arguments ?? raw.args ?? raw.input);
  }
  return undefined;
}

function functionCall(id: unknown, name: string, args: unknown): ToolCall {
  return {
    ...(typeof id === 'string' ? { id } : {}),
    type: 'function',
    function: { name, arguments: typeof args === 'string' ? args : jsonText(args) },
  };
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value ?? {}) ?? '{}';
  } catch {
    return '{}';
  }
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}
