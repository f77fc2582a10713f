import { originalMethod } from '../patch-method.js';
import { asRecord, contentText } from '../request-fields.js';

type Method = (...args: unknown[]) => unknown;

/** How a client is called, found by introspection. Methods are bound; recording wrappers are bypassed. */
export type ClientShape =
  | { kind: 'openai'; create: Method }
  | { kind: 'anthropic'; create: Method }
  | { kind: 'gemini'; generate: Method; generateStream: Method | undefined }
  | { kind: 'generic'; create: Method | undefined; stream: Method | undefined };

export function detectClient(client: unknown): ClientShape | undefined {
  if (typeof client === 'function') return { kind: 'generic', create: client as Method, stream: undefined };
  const root = asRecord(client);
  if (!root) return undefined;
  const completions = asRecord(asRecord(root.chat)?.completions);
  if (completions && typeof completions.create === 'function')
    return { kind: 'openai', create: bind(completions, 'create')! };
  const messages = asRecord(root.messages);
  if (messages && typeof messages.create === 'function')
    return { kind: 'anthropic', create: bind(messages, 'create')! };
  const models = asRecord(root.models);
  if (models && typeof models.generateContent === 'function') {
    return {
      kind: 'gemini',
      generate: bind(models, 'generateContent')!,
      generateStream: bind(models, 'generateContentStream'),
    };
  }
  const create = bind(root, 'create');
  const stream = bind(root, 'stream') ?? bind(root, 'createStream');
  if (!create && !stream) return undefined;
  return { kind: 'generic', create, stream };
}

/** A client streams unless it clearly cannot (Gemini without the stream method). */
export function canStream(shape: ClientShape): boolean {
  return shape.kind === 'gemini' ? shape.generateStream !== undefined : true;
}

function bind(target: Record<string, unknown>, name: string): Method | undefined {
  const method = target[name];
  if (typeof method !== 'function') return undefined;
  const own = originalMethod(method as Method);
  return (...args: unknown[]) => own.apply(target, args);
}

export interface RequestSpec {
  model: string;
  messages: readonly unknown[];
  systemPrompt?: string;
  tools?: readonly unknown[];
  params?: Record<string, unknown>;
  maxTokens?: number;
  signal?: AbortSignal;
}

/** The request in the client's own format, and its call: `[request, options?]`. */
export function buildRequest(shape: ClientShape, spec: RequestSpec, stream: boolean): unknown[] {
  const tools = spec.tools ? { tools: spec.tools } : {};
  const options = spec.signal ? [{ signal: spec.signal }] : [];
  switch (shape.kind) {
    case 'openai': {
      const messages = spec.systemPrompt
        ? [{ role: 'system', content: spec.systemPrompt }, ...spec.messages]
        : spec.messages;
      const streaming = stream ? { stream: true, stream_options: { include_usage: true } } : {};
      return [{ model: spec.model, messages, ...tools, ...spec.params, ...streaming }, ...options];
    }
    case 'anthropic': {
      const { system, rest } = splitSystem(spec.messages, spec.systemPrompt);
      const request = {
        model: spec.model,
        max_tokens: spec.maxTokens ?? 1024,
        messages: rest,
        ...(system ? { system } : {}),
        ...tools,
        ...spec.params,
        ...(stream ? { stream: true } : {}),
      };
      return [request, ...options];
    }
    case 'gemini': {
      const { system, rest } = splitSystem(spec.messages, spec.systemPrompt);
      const config = {
        ...spec.params,
        ...(system ? { systemInstruction: system } : {}),
        ...(spec.tools ? { tools: spec.tools } : {}),
        ...(spec.signal ? { abortSignal: spec.signal } : {}),
      };
      return [{ model: spec.model, contents: rest.map(geminiContent), config }];
    }
    case 'generic':
      return [
        {
          model: spec.model,
          messages: spec.messages,
          ...(spec.systemPrompt ? { system: spec.systemPrompt } : {}),
          ...tools,
          ...spec.params,
          ...(stream && !shape.stream ? { stream: true } : {}),
        },
      ];
  }
}

/** Anthropic and Gemini take the system prompt beside the messages, not among them. */
function splitSystem(messages: readonly unknown[], systemPrompt: string | undefined) {
  const system: string[] = systemPrompt ? [systemPrompt] : [];
  const rest: unknown[] = [];
  for (const message of messages) {
    const record = asRecord(message);
    if (record?.role === 'system') {
      const text = contentText(record.content);
      if (text) system.push(text);
    } else rest.push(message);
  }
  return { system: system.join('\n\n'), rest };
}

function geminiContent(message: unknown): unknown {
  const record = asRecord(message);
  if (!record || Array.isArray(record.parts)) return message;
  return {
    role: record.role === 'assistant' || record.role === 'model' ? 'model' : 'user',
    parts: [{ text: contentText(record.content) ?? '' }],
  };
}
