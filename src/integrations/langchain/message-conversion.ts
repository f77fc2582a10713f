import type { ResponseMessage, ToolCall } from '../../core/record.js';
import { asRecord, contentText, functionToolCall } from '../../capture/request-fields.js';

/**
 * LangChain messages (read by shape, so any copy of `@langchain/core` works) into the record's
 * provider-neutral shape: `{ role, content }` plus `toolCalls`, `toolCallId` and `name` when set.
 */

const ROLES: Readonly<Record<string, string>> = {
  human: 'user',
  user: 'user',
  ai: 'assistant',
  assistant: 'assistant',
  system: 'system',
  developer: 'developer',
  tool: 'tool',
  function: 'function',
  remove: 'remove',
};

export interface RecordMessage {
  role: string;
  content: unknown;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  name?: string;
}

/** One request message. */
export function toRecordMessage(message: unknown): RecordMessage {
  if (typeof message === 'string') return { role: 'user', content: message };
  const fields = asRecord(message);
  if (!fields) return { role: 'user', content: String(message) };
  const converted: RecordMessage = { role: roleOf(fields), content: fields.content ?? '' };
  const toolCalls = toolCallsOf(fields);
  if (toolCalls.length > 0) converted.toolCalls = toolCalls;
  if (typeof fields.tool_call_id === 'string') converted.toolCallId = fields.tool_call_id;
  if (typeof fields.name === 'string' && fields.name) converted.name = fields.name;
  return converted;
}

/** The assistant's reply: a chat generation's message, or a completion LLM's text. */
export function toResponseMessage(message: unknown, text: string | undefined): ResponseMessage | null {
  const fields = asRecord(message);
  if (!fields) return text === undefined ? null : { role: 'assistant', content: text };
  const response: ResponseMessage = { role: 'assistant', content: fields.content ?? text ?? '' };
  const toolCalls = toolCallsOf(fields);
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  return response;
}

/** Every output text of a reply (text and tool-call arguments), for token estimates. */
export function outputTextOf(response: ResponseMessage | null): string {
  if (!response) return '';
  let text = contentText(response.content) ?? '';
  for (const call of response.toolCalls ?? []) text += `${call.function?.name ?? ''}${call.function?.arguments ?? ''}`;
  return text;
}

/** The text of the first system message, or null. */
export function systemPromptOf(messages: readonly RecordMessage[]): string | null {
  for (const message of messages) {
    if (message.role === 'system' || message.role === 'developer') return contentText(message.content);
  }
  return null;
}

function roleOf(fields: Record<string, unknown>): string {
  const type = typeOf(fields);
  if (type === 'generic' || type === 'chat') return typeof fields.role === 'string' ? fields.role : 'user';
  return (type && ROLES[type]) ?? (typeof fields.role === 'string' ? fields.role : 'user');
}

function typeOf(fields: Record<string, unknown>): string | undefined {
  if (typeof fields.type === 'string') return fields.type;
  const legacy = fields._getType;
  if (typeof legacy === 'function') {
    try {
      const type: unknown = legacy.call(fields);
      if (typeof type === 'string') return type;
    } catch {
      // A message class that cannot say its type is recorded by its other fields.
    }
  }
  return undefined;
}

/** `AIMessage.tool_calls` (`{ id, name, args }`), else the raw OpenAI `additional_kwargs.tool_calls`. */
function toolCallsOf(fields: Record<string, unknown>): ToolCall[] {
  const calls: ToolCall[] = [];
  if (Array.isArray(fields.tool_calls)) {
    for (const call of fields.tool_calls as unknown[]) {
      const item = asRecord(call);
      if (!item || typeof item.name !== 'string') continue;
      calls.push(functionToolCall(typeof item.id === 'string' ? item.id : undefined, item.name, item.args));
    }
    if (calls.length > 0) return calls;
  }
  const raw = asRecord(fields.additional_kwargs)?.tool_calls;
  if (Array.isArray(raw)) {
    for (const call of raw as unknown[]) {
      const item = asRecord(call);
      const fn = asRecord(item?.function);
      if (!item || !fn || typeof fn.name !== 'string') continue;
      calls.push(functionToolCall(typeof item.id === 'string' ? item.id : undefined, fn.name, fn.arguments));
    }
  }
  return calls;
}
