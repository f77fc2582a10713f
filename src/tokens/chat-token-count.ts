import { computeChatCompletionTokenCount } from 'gpt-tokenizer/functionCalling';
import type { CountableChat } from './chat-request.js';
import { countInChunks, DEFAULT_CHUNK_CHARS, yieldToEventLoop, type CountText } from './chunked-count.js';

/**
 * A chat's token count split into the message texts and everything else (roles, names, tool
 * calls, tool definitions and the chat format's overhead: 3 per message, 3 to prime the reply,
 * 9 for the tool block, as in OpenAI's cookbook and gpt-tokenizer's
 * `computeChatCompletionTokenCount`, whose total this reproduces). Splitting lets the texts,
 * the only part that can be large, be counted in chunks.
 */
interface SplitChat {
  texts: string[];
  structure: (count: CountText) => number;
}

function splitChat(chat: CountableChat): SplitChat {
  const hasFunctions = chat.functions.length > 0;
  let firstSystemSeen = false;
  const texts = chat.messages.map(({ message }) => {
    let content = message.content;
    if (message.role === 'system' && !firstSystemSeen) {
      firstSystemSeen = true;
      // The format adds a newline to the first system message when tools follow it.
      if (hasFunctions && content && !content.endsWith('\n')) content += '\n';
    }
    return content;
  });
  const structure = (count: CountText) => {
    const hollow = chat.messages.map(({ message }) => ({ ...message, content: '' }));
    let tokens = computeChatCompletionTokenCount({ messages: hollow, functions: chat.functions }, count);
    for (const { extraToolCalls } of chat.messages) {
      for (const call of extraToolCalls) tokens += count(call.name) + count(call.arguments) + 3;
    }
    return tokens;
  };
  return { texts, structure };
}

/** Tokens of a chat request as the chat format bills them. */
export function countChatTokens(chat: CountableChat, count: CountText): number {
  const split = splitChat(chat);
  let total = split.structure(count);
  for (const text of split.texts) if (text) total += count(text);
  return total;
}

/** The same count, yielding to the event loop between chunks of large messages. */
export async function countChatTokensAsync(
  chat: CountableChat,
  count: CountText,
  chunkChars: number = DEFAULT_CHUNK_CHARS,
): Promise<number> {
  const split = splitChat(chat);
  let total = split.structure(count);
  let sinceYield = 0;
  for (const text of split.texts) {
    if (!text) continue;
    total += await countInChunks(text, count, chunkChars);
    sinceYield += text.length;
    if (sinceYield >= chunkChars) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  return total;
}
