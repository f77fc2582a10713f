import {
  chatCompletionBody,
  chatStreamEvents,
  includesUsage,
  openaiUsage,
  type RecordedRequest,
  type Reply,
} from '../../../src/testing/index.js';

/**
 * Chat Completions replies for benchmarks: a fixed non-streamed completion, or a stream whose
 * number of content chunks is the request's `max_tokens`. Replies are built once per shape and
 * reused, so the server's own work stays small and constant.
 */
export function benchChatReply(): (request: RecordedRequest) => Reply {
  const completion: Reply = {
    kind: 'json',
    body: chatCompletionBody({ content: 'Hello from the bench.', usage: openaiUsage(24, 6) }),
  };
  const streams = new Map<string, Reply>();
  return (request) => {
    if (request.body.stream !== true) return completion;
    const chunks = Number(request.body.max_tokens) || 1;
    const includeUsage = includesUsage(request);
    const key = `${chunks}/${includeUsage}`;
    let reply = streams.get(key);
    if (!reply) {
      const content = Array.from({ length: chunks }, (_, index) => `w${index} `);
      reply = { kind: 'sse', events: chatStreamEvents({ content, usage: openaiUsage(24, chunks) }, includeUsage) };
      streams.set(key, reply);
    }
    return reply;
  };
}
