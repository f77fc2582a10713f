import type { CallRecord } from '../../core/record.js';
import type { Redactor } from '../shared/redaction.js';

/**
 * Prompt and response content in the GenAI conventions' JSON shape (`gen_ai.input.messages`,
 * `gen_ai.output.messages`: `[{ role, parts: [{ type: 'text', content }] }]`), after redaction.
 * Provider-specific parts that are not text are passed through as they are.
 */
export function inputMessages(messages: readonly unknown[], redactor: Redactor): string {
  return JSON.stringify(messages.map((message) => semconvMessage(message, redactor)));
}

export function outputMessages(record: CallRecord, redactor: Redactor): string | undefined {
  if (record.responseMessage === null) return undefined;
  const message = semconvMessage(record.responseMessage, redactor) as Record<string, unknown>;
  if (record.finishReason !== null) message.finish_reason = record.finishReason;
  return JSON.stringify([message]);
}

export function systemInstructions(systemPrompt: string, redactor: Redactor): string {
  return JSON.stringify([{ type: 'text', content: redactor.text(systemPrompt) }]);
}

function semconvMessage(message: unknown, redactor: Redactor): unknown {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return redactor.value(message);
  const { role, content } = message as { role?: unknown; content?: unknown };
  if (typeof role !== 'string') return redactor.value(message);
  return { role, parts: parts(content, redactor) };
}

function parts(content: unknown, redactor: Redactor): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', content: redactor.text(content) }];
  if (!Array.isArray(content)) return content === undefined || content === null ? [] : [redactor.value(content)];
  return content.map((part: unknown) => {
    const text = (part as { type?: unknown; text?: unknown } | null)?.text;
    return typeof text === 'string' ? { type: 'text', content: redactor.text(text) } : redactor.value(part);
  });
}
