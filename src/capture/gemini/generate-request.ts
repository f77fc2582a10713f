import type { CallInit } from '../../core/call.js';
import { asRecord, contentText, requestParams } from '../request-fields.js';

const KEPT_ELSEWHERE = new Set(['systemInstruction', 'tools', 'toolConfig', 'abortSignal', 'httpOptions']);

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` are one model. */
export function geminiModelName(model: unknown): string {
  return typeof model === 'string' ? model.replace(/^models\//, '') : 'unknown';
}

/**
 * A generateContent request as a call: `contents` as messages (a string or bare parts become one
 * user turn, as the SDK sends them), `config.systemInstruction` as the system prompt, the rest of
 * `config` as params.
 */
export function generateCallInit(request: Record<string, unknown>): CallInit {
  const config = asRecord(request.config) ?? {};
  return {
    model: geminiModelName(request.model),
    messages: contentsAsMessages(request.contents),
    systemPrompt: instructionText(config.systemInstruction),
    tools: Array.isArray(config.tools) ? config.tools : null,
    toolChoice: config.toolConfig,
    params: requestParams(config, KEPT_ELSEWHERE),
  };
}

export function contentsAsMessages(contents: unknown): unknown[] {
  if (contents === undefined || contents === null) return [];
  if (typeof contents === 'string') return [{ role: 'user', parts: [{ text: contents }] }];
  if (!Array.isArray(contents)) return isContent(contents) ? [contents] : [{ role: 'user', parts: [contents] }];
  if (contents.every(isContent)) return contents;
  return [{ role: 'user', parts: contents.map((part) => (typeof part === 'string' ? { text: part } : part)) }];
}

function isContent(value: unknown): boolean {
  const record = asRecord(value);
  return record !== undefined && (Array.isArray(record.parts) || typeof record.role === 'string');
}

function instructionText(instruction: unknown): string | null {
  if (typeof instruction === 'string') return instruction;
  const record = asRecord(instruction);
  if (record && Array.isArray(record.parts)) return contentText(record.parts);
  if (record && typeof record.text === 'string') return record.text;
  return contentText(instruction);
}

/** Gemini carries the abort signal inside the request. */
export function geminiAbortSignal(request: Record<string, unknown>): AbortSignal | undefined {
  const signal = asRecord(request.config)?.abortSignal;
  return signal instanceof AbortSignal ? signal : undefined;
}
