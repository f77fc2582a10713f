import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../../core/ledger.js';
import { CallType } from '../../core/record.js';

const COMPETITOR_TOOL = {
  type: 'function',
  function: {
    name: 'get_competitor_data',
    description: 'Get competitor analysis data',
    parameters: {
      type: 'object',
      properties: { company_name: { type: 'string' }, competitors: { type: 'array', items: { type: 'string' } } },
    },
  },
};

/** Simulated provider latency, so the report's percentiles look like real traffic. */
const think = (milliseconds: number) => sleep(milliseconds);

/**
 * The demo without the SDKs: the same story told through `ledger.logCall` / `ledger.start` with
 * simulated replies. Used when `openai`, `@anthropic-ai/sdk` or `@google/genai` is not installed.
 * Returns the id of the RAG pipeline's trace.
 */
export async function recordSimulatedCalls(ledger: Ledger): Promise<string> {
  const tags = ['demo'];

  // A two-turn chat with a cached system prompt.
  await ledger.context({ userId: 'alice', tenantId: 'acme', sessionId: 'session-alice-1', tags }, async () => {
    const messages = [
      { role: 'user', content: 'What is Gorgias?' },
      { role: 'assistant', content: 'Gorgias is a customer support platform for e-commerce.' },
      { role: 'user', content: 'What are its main features?' },
    ];
    await ledger.logCall(
      {
        provider: 'openai',
        model: 'gpt-4o',
        systemPrompt: 'You are a product expert.',
        messages,
        params: { temperature: 0.7, maxTokens: 500 },
      },
      async (call) => {
        await think(42);
        call.complete({
          responseMessage: { role: 'assistant', content: 'Helpdesk, macros, automation and Shopify integration.' },
          responseModel: 'gpt-4o-2024-08-06',
          finishReason: 'stop',
          tokens: { prompt_tokens: 1_480, completion_tokens: 182, prompt_tokens_details: { cached_tokens: 1_280 } },
        });
      },
    );
  });

  // A traced RAG pipeline: classify, then synthesize with a tool call, then answer with the tool's result.
  const traceId = await ledger.context(
    { userId: 'bob', tenantId: 'acme', sessionId: 'session-bob-7', tags: [...tags, 'rag'] },
    () =>
      ledger.logCall(
        {
          callType: CallType.RAG_QUERY,
          provider: 'openai',
          model: 'gpt-4o-mini',
          systemPrompt: 'Classify into: product_gap, competitor, feature, support',
          messages: [{ role: 'user', content: 'Classify this question: how does Gorgias compare with Zendesk?' }],
          params: { temperature: 0 },
        },
        async (classify) => {
          await think(18);
          classify.complete({ responseMessage: 'competitor', finishReason: 'stop', tokens: { input: 64, output: 2 } });
          const question = [{ role: 'user', content: 'Compare Gorgias with its top competitors' }];
          await ledger.logCall(
            {
              callType: CallType.RAG_SYNTHESIS,
              provider: 'anthropic',
              model: 'claude-sonnet-4-20250514',
              systemPrompt: 'You are a competitive analysis AI.',
              messages: question,
              tools: [COMPETITOR_TOOL],
              toolChoice: 'auto',
              metadata: { reviewCount: 12, queryType: 'competitor' },
            },
            async (synthesis) => {
              await think(65);
              const toolCall = {
                id: 'toolu_01A09q90qw90lq917835lq9',
                type: 'function',
                function: {
                  name: 'get_competitor_data',
                  arguments: '{"company_name":"Gorgias","competitors":["Zendesk","Freshdesk"]}',
                },
              };
              synthesis.complete({
                responseMessage: { role: 'assistant', content: null, toolCalls: [toolCall] },
                finishReason: 'tool_use',
                tokens: { input: 2_950, cacheRead: 2_048, cacheWrite: 512, output: 96 },
              });
              await ledger.logCall(
                {
                  callType: CallType.RAG_SYNTHESIS,
                  provider: 'openai',
                  model: 'gpt-4o',
                  systemPrompt: 'Synthesize competitor analysis.',
                  messages: [
                    ...question,
                    { role: 'assistant', content: null, tool_calls: [toolCall] },
                    {
                      role: 'tool',
                      tool_call_id: toolCall.id,
                      name: 'get_competitor_data',
                      content: '{"competitors":[{"name":"Zendesk"},{"name":"Freshdesk"}]}',
                    },
                  ],
                },
                async (answer) => {
                  await think(120);
                  answer.complete({
                    responseMessage:
                      'Gorgias leads on Shopify depth; Zendesk on enterprise breadth; Freshdesk on price.',
                    finishReason: 'stop',
                    tokens: { input: 3_210, output: 412 },
                  });
                },
              );
            },
          );
          return classify.traceId;
        },
      ),
  );

  // A streamed summary with reasoning tokens.
  await ledger.context({ userId: 'carol', tenantId: 'globex', tags }, async () => {
    const stream = ledger.start({
      callType: CallType.SUMMARIZATION,
      provider: 'google',
      model: 'gemini-2.5-flash',
      requestMode: 'streaming',
      messages: [{ role: 'user', content: 'Summarize the Q3 support ticket themes.' }],
    });
    await think(140);
    for (const piece of ['Shipping delays ', 'dominate; ', 'refund questions ', 'follow.']) {
      stream.update({ appendText: piece });
      await think(12);
    }
    stream.complete({ finishReason: 'STOP', tokens: { input: 5_800, output: 640, reasoning: 410 } });

    // The user closed the tab: a cancelled stream keeps what arrived.
    const controller = new AbortController();
    const cancelled = ledger.start({
      callType: CallType.CHAT,
      provider: 'openai',
      model: 'gpt-4o-mini',
      requestMode: 'streaming',
      messages: [{ role: 'user', content: 'Write a long onboarding email.' }],
      signal: controller.signal,
    });
    await think(60);
    cancelled.update({ appendText: 'Welcome aboard! Here is everything you need' });
    controller.abort();
  });

  // A sentiment task, an embedding, a failure and a model no catalog knows.
  await ledger.context({ userId: 'dave', tenantId: 'globex', tags }, async () => {
    const sentiment = ledger.logSentimentAnalysis({
      provider: 'openai',
      model: 'gpt-4o-mini',
      text: 'This product exceeded my expectations!',
      reviewId: 'review-981',
      taskId: 'job-4411',
    });
    await think(25);
    sentiment.complete({ responseMessage: 'positive', finishReason: 'stop', tokens: { input: 31, output: 1 } });

    const embedding = ledger.logEmbedding({
      provider: 'openai',
      model: 'text-embedding-3-small',
      input: ['shipping delay', 'refund policy'],
    });
    await think(9);
    embedding.complete({ tokens: { input: 6, output: 0 } });

    const rateLimited = Object.assign(
      new Error('429 Rate limit reached for gpt-4o in organization org-demo on tokens per min'),
      {
        status: 429,
        headers: { 'retry-after': '20' },
      },
    );
    await ledger
      .logCall(
        { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'user', content: 'Draft a reply to ticket #5521' }] },
        async () => {
          await think(30);
          throw rateLimited;
        },
      )
      .catch(() => undefined);

    await ledger.logCall(
      {
        provider: 'self-hosted',
        model: 'acme-support-finetune-v2',
        messages: [{ role: 'user', content: 'Tag this ticket.' }],
      },
      async (call) => {
        await think(55);
        call.complete({ responseMessage: 'billing', tokens: { input: 210, output: 3 } });
      },
    );
  });

  return traceId;
}
