import type { ToolCall } from '../../core/record.js';
import { functionToolCall } from '../../capture/request-fields.js';
import { isObject } from './convert-usage.js';

/** The record's request side of an AI SDK prompt. */
export interface ConvertedPrompt {
  /** Every system message, joined by a blank line; null when there is none. */
  systemPrompt: string | null;
  /** The other messages in the chat shape the other adapters record. */
  messages: unknown[];
}

/**
 * Converts a LanguageModelV*Prompt (the SDK's standardized prompt, after `system`, `prompt` and
 * `messages` were merged) into the record's shape: system messages become the system prompt; a
 * message whose parts are all text becomes `{ role, content: 'text' }`; assistant tool calls become
 * `toolCalls` (`{ id, type: 'function', function: { name, arguments } }`) and reasoning parts
 * `reasoning`; every tool result becomes its own `{ role: 'tool', toolCallId, name, content }`
 * message. File bytes are not copied: a part keeps its media type and size (URLs are kept).
 */
export function convertPrompt(prompt: readonly unknown[]): ConvertedPrompt {
  const system: string[] = [];
  const messages: unknown[] = [];
  for (const message of prompt) {
    if (!isObject(message)) continue;
    const role = typeof message.role === 'string' ? message.role : 'user';
    if (role === 'system') {
      if (typeof message.content === 'string') system.push(message.content);
      continue;
    }
    if (!Array.isArray(message.content)) {
      messages.push({ role, content: message.content ?? null });
      continue;
    }
    if (role === 'tool') {
      for (const part of message.content) messages.push(toolMessage(part));
      continue;
    }
    messages.push(
      role === 'assistant' ? assistantMessage(message.content) : { role, content: partsContent(message.content) },
    );
  }
  return { systemPrompt: system.length > 0 ? system.join('\n\n') : null, messages };
}

function assistantMessage(parts: readonly unknown[]): Record<string, unknown> {
  const content: unknown[] = [];
  const toolCalls: ToolCall[] = [];
  const reasoning: string[] = [];
  for (const part of parts) {
    if (!isObject(part)) continue;
    if (part.type === 'tool-call') {
      toolCalls.push(functionToolCall(text(part.toolCallId), text(part.toolName) ?? '', part.input ?? {}));
    } else if (part.type === 'reasoning') {
      if (typeof part.text === 'string') reasoning.push(part.text);
    } else if (part.type === 'tool-result') {
      // A provider-executed tool's result, sent back inside the assistant message.
      content.push({
        type: 'tool-result',
        toolCallId: part.toolCallId,
        name: part.toolName,
        output: outputValue(part.output),
      });
    } else {
      content.push(part);
    }
  }
  const message: Record<string, unknown> = { role: 'assistant', content: partsContent(content) };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (reasoning.length > 0) message.reasoning = reasoning.join('');
  return message;
}

function toolMessage(part: unknown): Record<string, unknown> {
  if (!isObject(part)) return { role: 'tool', content: null };
  if (part.type === 'tool-approval-response') {
    return { role: 'tool', approvalId: part.approvalId, approved: part.approved, content: part.reason ?? null };
  }
  return { role: 'tool', toolCallId: part.toolCallId, name: part.toolName, content: outputValue(part.output) };
}

/** A tool result's value: text as is, JSON as the value, a denial as its reason. */
function outputValue(output: unknown): unknown {
  if (!isObject(output)) return output ?? null;
  switch (output.type) {
    case 'text':
    case 'error-text':
    case 'json':
    case 'error-json':
      return output.value;
    case 'execution-denied':
      return { denied: true, reason: output.reason ?? null };
    case 'content':
      return Array.isArray(output.value) ? output.value.map(contentPart) : output.value;
    default:
      return output;
  }
}

/** All-text parts become one string (the common case); anything else stays a part list. */
function partsContent(parts: readonly unknown[]): unknown {
  if (parts.length === 0) return '';
  let joined = '';
  for (const part of parts) {
    if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') return parts.map(contentPart);
    joined += part.text;
  }
  return joined;
}

function contentPart(part: unknown): unknown {
  if (!isObject(part)) return part;
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'file' || part.type === 'image' || part.type === 'file-data') return filePart(part);
  const { providerOptions: _options, ...rest } = part;
  return rest;
}

/** A file part without its bytes: the media type, the name, a URL, or the size of inline data. */
function filePart(part: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { type: 'file' };
  if (typeof part.mediaType === 'string') result.mediaType = part.mediaType;
  if (typeof part.filename === 'string') result.filename = part.filename;
  const data =
    part.data instanceof URL
      ? { type: 'url', url: part.data }
      : isObject(part.data) && typeof part.data.type === 'string'
        ? part.data
        : { type: 'data', data: part.data };
  if (data.type === 'url') result.url = String(data.url);
  else if (data.type === 'text') result.text = data.text;
  else if (data.type === 'reference') result.reference = data.reference;
  else result.bytes = byteLength(data.data);
  return result;
}

function byteLength(data: unknown): number | null {
  if (data instanceof Uint8Array) return data.byteLength;
  // Base64: every four characters hold three bytes.
  if (typeof data === 'string') return Math.floor((data.replace(/=+$/, '').length * 3) / 4);
  return null;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
