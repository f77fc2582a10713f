import type { ChatCompletionFunctionDefinition, ChatMessage } from 'gpt-tokenizer/functionCalling';

/** A chat to count, in any provider's shape (OpenAI, Anthropic, Gemini `contents`). */
export interface ChatInput {
  messages: readonly unknown[];
  /** Tool definitions: OpenAI `tools`/`functions`, Anthropic `tools`, Gemini `functionDeclarations`. */
  tools?: readonly unknown[] | null;
  /** A system prompt kept outside the messages (Anthropic `system`, Gemini `systemInstruction`). */
  system?: string | null;
}

/** One message reduced to what is tokenized, with its extra tool calls beyond the first. */
export interface CountableMessage {
  message: ChatMessage;
  extraToolCalls: Array<{ name: string; arguments: string }>;
}

export interface CountableChat {
  messages: CountableMessage[];
  functions: ChatCompletionFunctionDefinition[];
  /** Some parts (images, audio, files, unknown shapes) were not counted: the count is an estimate. */
  approximate: boolean;
}

/** Reduces any provider's chat to role, text, names, tool calls and tool definitions. */
export function toCountableChat(input: ChatInput): CountableChat {
  const state = { approximate: false };
  const messages: CountableMessage[] = [];
  if (input.system) messages.push({ message: { role: 'system', content: input.system }, extraToolCalls: [] });
  for (const raw of input.messages) messages.push(toMessage(raw, state));
  const functions: ChatCompletionFunctionDefinition[] = [];
  for (const tool of input.tools ?? []) collectFunctions(tool, functions, state);
  return { messages, functions, approximate: state.approximate };
}

function toMessage(raw: unknown, state: { approximate: boolean }): CountableMessage {
  if (typeof raw === 'string') return { message: { role: 'user', content: raw }, extraToolCalls: [] };
  if (typeof raw !== 'object' || raw === null) {
    state.approximate = true;
    return { message: { role: 'user', content: '' }, extraToolCalls: [] };
  }
  const record = raw as Record<string, unknown>;
  const role = typeof record.role === 'string' ? (record.role === 'model' ? 'assistant' : record.role) : 'user';
  const message: ChatMessage = { role, content: textOf(record.content ?? record.parts, state) };
  if (typeof record.name === 'string') message.name = record.name;
  const calls = toolCallsOf(record);
  const first = calls.shift();
  if (first) message.function_call = first;
  return { message, extraToolCalls: calls };
}

function toolCallsOf(record: Record<string, unknown>): Array<{ name: string; arguments: string }> {
  const calls: Array<{ name: string; arguments: string }> = [];
  const legacy = record.function_call as { name?: unknown; arguments?: unknown } | undefined;
  if (legacy && typeof legacy === 'object') calls.push(callOf(legacy.name, legacy.arguments));
  const toolCalls = Array.isArray(record.tool_calls)
    ? record.tool_calls
    : Array.isArray(record.toolCalls)
      ? record.toolCalls
      : [];
  for (const call of toolCalls) {
    const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
    if (fn) calls.push(callOf(fn.name, fn.arguments));
  }
  return calls;
}

function callOf(name: unknown, args: unknown): { name: string; arguments: string } {
  return {
    name: typeof name === 'string' ? name : '',
    arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args),
  };
}

/** Text of a content value: a string, or text parts of a content array; other parts make it approximate. */
function textOf(content: unknown, state: { approximate: boolean }): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return partText(content, state);
  let text = '';
  for (const part of content) text += partText(part, state);
  return text;
}

function partText(part: unknown, state: { approximate: boolean }): string {
  if (typeof part === 'string') return part;
  if (typeof part !== 'object' || part === null) return '';
  const record = part as Record<string, unknown>;
  if (typeof record.text === 'string') return record.text; // OpenAI/Anthropic text parts, Gemini parts
  if (record.type === 'tool_use') return `${String(record.name ?? '')}${JSON.stringify(record.input ?? {})}`;
  if (record.type === 'tool_result') return textOf(record.content, state);
  const call = record.functionCall as { name?: unknown; args?: unknown } | undefined;
  if (call) return `${String(call.name ?? '')}${JSON.stringify(call.args ?? {})}`;
  const response = record.functionResponse as { name?: unknown; response?: unknown } | undefined;
  if (response) return `${String(response.name ?? '')}${JSON.stringify(response.response ?? {})}`;
  state.approximate = true; // images, audio, files: their token cost is not derivable from the text
  return '';
}

function collectFunctions(
  tool: unknown,
  functions: ChatCompletionFunctionDefinition[],
  state: { approximate: boolean },
): void {
  if (typeof tool !== 'object' || tool === null) return;
  const record = tool as Record<string, unknown>;
  if (Array.isArray(record.functionDeclarations)) {
    for (const declaration of record.functionDeclarations) collectFunctions(declaration, functions, state);
    return;
  }
  const fn = (typeof record.function === 'object' && record.function !== null ? record.function : record) as Record<
    string,
    unknown
  >;
  if (typeof fn.name !== 'string') {
    state.approximate = true; // built-in tools (web search, code execution) have no countable definition
    return;
  }
  const definition: ChatCompletionFunctionDefinition = { name: fn.name };
  if (typeof fn.description === 'string') definition.description = fn.description;
  const parameters = fn.parameters ?? fn.input_schema ?? fn.parametersJsonSchema;
  if (typeof parameters === 'object' && parameters !== null) {
    definition.parameters = parameters as ChatCompletionFunctionDefinition['parameters'];
  }
  functions.push(definition);
}
