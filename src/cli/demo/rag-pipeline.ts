import type { Ledger } from '../../core/ledger.js';
import { CallType } from '../../core/record.js';
import { chatCompletion, embeddings, openaiUsage } from '../../testing/index.js';
import { after, type DemoClients } from './demo-clients.js';

const COMPETITOR_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_competitor_data',
    description: 'Get competitor analysis data',
    parameters: {
      type: 'object',
      properties: { company_name: { type: 'string' }, competitors: { type: 'array', items: { type: 'string' } } },
    },
  },
};
const COMPETITOR_DATA =
  '{"competitors":[{"name":"Zendesk","focus":"enterprise"},{"name":"Freshdesk","focus":"price"}]}';
const CLASSIFY_PROMPT = 'Classify into: product_gap, competitor, feature, support. Answer with the label only.';

/**
 * A traced RAG pipeline. The root is a `ledger.logCall` reporting its own (unwrapped) classification
 * call; the wrapped calls made inside it (retrieval embedding, a tool call, the answer with the tool's
 * result) become its children through the context.
 */
export async function ragPipeline(
  ledger: Ledger,
  clients: DemoClients,
  model: string,
  maxTokens: number,
): Promise<string> {
  const { openai, ragOpenAI, plainOpenAI, script } = clients;
  const question = { role: 'user' as const, content: 'How does Gorgias compare with Zendesk and Freshdesk?' };
  return ledger.logCall(
    {
      callType: CallType.RAG_QUERY,
      provider: 'openai',
      model: 'gpt-4o-mini',
      systemPrompt: CLASSIFY_PROMPT,
      messages: [question],
      params: { temperature: 0, maxTokens: 5 },
    },
    async (root) => {
      script('openai', 'openai.chat', after(60, chatCompletion({ content: 'competitor', usage: openaiUsage(64, 2) })));
      const classified = await plainOpenAI.chat.completions.create({
        model: 'gpt-4o-mini',
        temperature: 0,
        max_tokens: 5,
        messages: [{ role: 'system', content: CLASSIFY_PROMPT }, question],
      });
      const choice = classified.choices[0];
      root.complete({
        responseMessage: choice?.message.content ?? null,
        responseModel: classified.model,
        finishReason: choice?.finish_reason ?? null,
        tokens: classified.usage ?? undefined,
      });

      script(
        'openai',
        'openai.embeddings',
        after(15, embeddings({ vectors: [[0.012, -0.087, 0.044]], promptTokens: 12 })),
      );
      await openai.embeddings.create({ model: 'text-embedding-3-small', input: question.content });

      const synthesis = [{ role: 'system' as const, content: 'You are a competitive analysis AI.' }, question];
      script(
        'openai',
        'openai.chat',
        after(
          220,
          chatCompletion({
            model: 'gpt-4o-2024-08-06',
            toolCalls: [
              {
                id: 'call_demo_competitors',
                name: 'get_competitor_data',
                arguments: '{"company_name":"Gorgias","competitors":["Zendesk","Freshdesk"]}',
              },
            ],
            usage: openaiUsage(2_950, 96),
          }),
        ),
      );
      const planned = await ragOpenAI.chat.completions.create({
        model,
        max_tokens: maxTokens,
        messages: synthesis,
        tools: [COMPETITOR_TOOL],
        tool_choice: { type: 'function', function: { name: 'get_competitor_data' } },
      });
      const assistant = planned.choices[0]?.message;
      const toolCall = assistant?.tool_calls?.[0];
      if (assistant && toolCall) {
        script(
          'openai',
          'openai.chat',
          after(
            380,
            chatCompletion({
              model: 'gpt-4o-2024-08-06',
              content: 'Gorgias leads on Shopify depth; Zendesk on enterprise breadth; Freshdesk on price.',
              usage: openaiUsage(3_210, 412),
            }),
          ),
        );
        await ragOpenAI.chat.completions.create({
          model,
          max_tokens: maxTokens,
          messages: [...synthesis, assistant, { role: 'tool', tool_call_id: toolCall.id, content: COMPETITOR_DATA }],
          tools: [COMPETITOR_TOOL],
        });
      }
      return root.traceId;
    },
  );
}
