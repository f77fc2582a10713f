import type { Ledger } from '../../core/ledger.js';
import { chatCompletion, chatStream, generate, messageStream, openaiError, openaiUsage } from '../../testing/index.js';
import { after, type DemoClients } from './demo-clients.js';
import { ragPipeline } from './rag-pipeline.js';

const SUPPORT_POLICY =
  'You are Acme support. Refunds within 30 days; shipping delays over 5 days get a voucher; never promise dates. ' +
  'Escalate legal threats. Keep answers under 80 words.';

/**
 * Drives the demo through the real SDKs, wrapped by the ledger: several users and models, a traced
 * RAG pipeline, cache and reasoning tokens, streams, a rate limit, an aborted stream and an unpriced
 * model. Returns the id of the RAG pipeline's trace.
 */
export async function recordSdkCalls(ledger: Ledger, clients: DemoClients): Promise<string> {
  const { openai, anthropic, gemini, script, live } = clients;
  const tags = ['demo'];
  // --live: small, cheap calls.
  const bigModel = live.openai ? 'gpt-4o-mini' : 'gpt-4o';
  const claude = live.anthropic ? 'claude-3-5-haiku-latest' : 'claude-sonnet-4-20250514';
  const maxTokens = (local: number, provider: 'openai' | 'anthropic') => (live[provider] ? 50 : local);

  // A two-turn chat whose long system prompt is served from OpenAI's prompt cache.
  await ledger.context({ userId: 'alice', tenantId: 'acme', sessionId: 'session-alice-1', tags }, async () => {
    script(
      'openai',
      'openai.chat',
      after(
        140,
        chatCompletion({
          id: 'chatcmpl-demo-alice',
          model: 'gpt-4o-2024-08-06',
          content: 'Helpdesk, macros, automation rules and a deep Shopify integration.',
          usage: openaiUsage(1_480, 182, { cached: 1_280 }),
        }),
      ),
    );
    await openai.chat.completions.create({
      model: bigModel,
      temperature: 0.7,
      max_tokens: maxTokens(500, 'openai'),
      messages: [
        { role: 'system', content: 'You are a product expert.' },
        { role: 'user', content: 'What is Gorgias?' },
        { role: 'assistant', content: 'Gorgias is a customer support platform for e-commerce.' },
        { role: 'user', content: 'What are its main features?' },
      ],
    });
  });

  const traceId = await ledger.context(
    { userId: 'bob', tenantId: 'acme', sessionId: 'session-bob-7', tags: [...tags, 'rag'] },
    () => ragPipeline(ledger, clients, bigModel, maxTokens(400, 'openai')),
  );

  await ledger.context({ userId: 'carol', tenantId: 'globex', tags }, async () => {
    // A streamed answer whose system prompt is written to, then read from, Anthropic's cache.
    script(
      'anthropic',
      'anthropic.messages',
      after(
        120,
        messageStream({
          id: 'msg_demo_carol',
          model: 'claude-sonnet-4-20250514',
          textPieces: ['Your order ', 'shipped late, ', 'so a voucher ', 'is on its way.'],
          usage: { input: 412, cacheRead: 2_048, cacheWrite: 512, output: 96 },
          intervalMs: 15,
        }),
      ),
    );
    await anthropic.messages
      .stream({
        model: claude,
        max_tokens: maxTokens(1_024, 'anthropic'),
        system: [{ type: 'text', text: SUPPORT_POLICY, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'My order #5521 is a week late. What now?' }],
      })
      .finalMessage();

    // A summary by a thinking model: its thoughts tokens are output, billed, outside the candidates.
    script(
      'local',
      'gemini.generate',
      after(
        210,
        generate({
          text: 'Shipping delays dominate; refund questions follow.',
          usage: { prompt: 5_800, candidates: 230, thoughts: 410 },
          modelVersion: 'gemini-2.5-flash',
          responseId: 'resp-demo-carol',
        }),
      ),
    );
    await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Summarize the Q3 support ticket themes.',
      config: { thinkingConfig: { thinkingBudget: 1_024 } },
    });

    // The user closed the tab: the stream is aborted, and what arrived is kept.
    script(
      'openai',
      'openai.chat',
      after(
        60,
        chatStream({
          model: 'gpt-4o-mini-2024-07-18',
          content: ['Welcome aboard! ', 'Here is ', 'everything ', 'you need ', 'for your first week: ', '...'],
          usage: openaiUsage(28, 640),
          intervalMs: 25,
        }),
      ),
    );
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: maxTokens(800, 'openai'),
      stream: true,
      messages: [{ role: 'user', content: 'Write a long onboarding email.' }],
    });
    let pieces = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content && ++pieces === 3) {
        stream.controller.abort();
        break;
      }
    }
  });

  await ledger.context({ userId: 'dave', tenantId: 'globex', tags }, async () => {
    // A streamed one-word answer, usage from OpenAI's final usage chunk.
    script(
      'openai',
      'openai.chat',
      after(70, chatStream({ content: ['posi', 'tive'], usage: openaiUsage(31, 1), intervalMs: 10 })),
    );
    const sentiment = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 5,
      stream: true,
      messages: [{ role: 'user', content: 'Sentiment of: "This product exceeded my expectations!"' }],
    });
    for await (const _chunk of sentiment) {
      // read to the end, as an application would
    }

    // A rate limit: recorded as an error with the status and how long to wait. Scripted, so local only.
    if (!live.openai) {
      script(
        'openai',
        'openai.chat',
        after(
          10,
          openaiError(
            429,
            {
              message: 'Rate limit reached for gpt-4o in organization org-demo on tokens per min (TPM): Limit 30000.',
              type: 'tokens',
              code: 'rate_limit_exceeded',
            },
            { 'retry-after': '20', 'x-ratelimit-remaining-tokens': '0' },
          ),
        ),
      );
      await openai.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Draft a reply to ticket #5521' }] })
        .catch(() => undefined);
    }

    // A fine-tune on a self-hosted OpenAI-compatible server: no catalog prices it.
    script(
      'local',
      'openai.chat',
      after(180, chatCompletion({ model: 'acme-support-finetune-v2', content: 'billing', usage: openaiUsage(210, 3) })),
    );
    await clients.selfHosted.chat.completions.create({
      model: 'acme-support-finetune-v2',
      messages: [{ role: 'user', content: 'Tag this ticket: "I was charged twice."' }],
    });
  });

  return traceId;
}
