import { dataText } from '../lib/format.js';
import type { CallRecord } from '../lib/api.js';
import { Text, TextBlock } from './ui.js';

type ToolCall = NonNullable<NonNullable<CallRecord['responseMessage']>['toolCalls']>[number];

/**
 * A message as recorded, whatever the provider's shape (OpenAI content strings and parts,
 * Anthropic blocks, Gemini parts): text parts as text, anything else as its JSON, both as text.
 */
export function MessageView({ message, index }: { message: unknown; index: number }) {
  if (!message || typeof message !== 'object') {
    return (
      <div class="message">
        <div class="message-role">#{index + 1}</div>
        <TextBlock value={dataText(message)} />
      </div>
    );
  }
  const { role, content, parts, ...rest } = message as Record<string, unknown>;
  const body = content !== undefined ? content : parts;
  const extra = Object.entries(rest).filter(([, value]) => value !== undefined && value !== null);
  return (
    <div
      class={`message role-${typeof role === 'string' ? role.replace(/[^a-z]/g, '') : 'other'}`}
      data-message={index}
    >
      <div class="message-role">
        <Text value={typeof role === 'string' ? role : `message ${index + 1}`} />
      </div>
      <ContentView content={body} />
      {extra.map(([key, value]) => (
        <div class="message-extra" key={key}>
          <div class="label">{key}</div>
          <TextBlock value={dataText(value)} />
        </div>
      ))}
    </div>
  );
}

export function ContentView({ content }: { content: unknown }) {
  if (content === undefined || content === null || content === '') return <p class="muted">(no content)</p>;
  if (typeof content === 'string') return <TextBlock value={content} label="content" />;
  if (!Array.isArray(content)) return <TextBlock value={dataText(content)} />;
  return (
    <>
      {content.map((part, index) => {
        if (part && typeof part === 'object') {
          const { type, text, ...rest } = part as Record<string, unknown>;
          if (typeof text === 'string' && Object.keys(rest).length === 0) {
            return <TextBlock key={index} value={text} label={typeof type === 'string' ? type : 'text'} />;
          }
        }
        if (typeof part === 'string') return <TextBlock key={index} value={part} />;
        const type = part && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
        return (
          <div class="part" key={index}>
            {typeof type === 'string' && (
              <div class="label">
                <Text value={type} />
              </div>
            )}
            <TextBlock value={dataText(part)} />
          </div>
        );
      })}
    </>
  );
}

export function ToolCallView({ call }: { call: ToolCall }) {
  const { id, type, function: fn, ...rest } = call;
  return (
    <div class="tool-call" data-tool-call={fn?.name ?? ''}>
      <div class="tool-call-head">
        <span class="badge">{typeof type === 'string' ? type : 'tool call'}</span>{' '}
        <strong>
          <Text value={fn?.name ?? '(unnamed)'} />
        </strong>{' '}
        {id && (
          <span class="muted small">
            <Text value={String(id)} />
          </span>
        )}
      </div>
      {fn && <TextBlock value={dataText(fn.arguments)} label="arguments" />}
      {Object.keys(rest).length > 0 && <TextBlock value={dataText(rest)} />}
    </div>
  );
}
