import { ChatAnthropic } from '@langchain/anthropic';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { ChatOpenAI } from '@langchain/openai';
import type { Ledger } from '../../src/core/ledger.js';
import type { CallRecord, TokenUsage } from '../../src/core/record.js';
import type { WireServer } from '../../src/testing/index.js';

export {
  expectedCost,
  eventually,
  microsToDollars,
  onlyRecord,
  records,
  startWireServer,
  testLedger,
  testPricer,
} from '../capture/capture-harness.js';

/** ChatOpenAI pointed at the wire server, no retries. */
export function openaiModel(
  server: WireServer,
  fields: { model?: string; temperature?: number; maxTokens?: number; streaming?: boolean } = {},
): ChatOpenAI {
  return new ChatOpenAI({
    model: fields.model ?? 'gpt-4o-mini',
    temperature: fields.temperature,
    maxTokens: fields.maxTokens,
    streaming: fields.streaming,
    configuration: { baseURL: server.openaiBaseURL },
    apiKey: 'sk-test',
    maxRetries: 0,
  });
}

/** ChatAnthropic pointed at the wire server, no retries. */
export function anthropicModel(server: WireServer, fields: { streaming?: boolean } = {}): ChatAnthropic {
  return new ChatAnthropic({
    model: 'claude-sonnet-4-6',
    maxTokens: 100,
    streaming: fields.streaming,
    anthropicApiUrl: server.anthropicBaseURL,
    apiKey: 'sk-ant-test',
    maxRetries: 0,
  });
}

/** An application's own callback (seed 000 example 4): counts what it sees and keeps the errors. */
export class CountingCallback extends BaseCallbackHandler {
  name = 'counting-callback';
  starts = 0;
  ends = 0;
  tokens: string[] = [];
  errors: unknown[] = [];

  constructor() {
    super({ _awaitHandler: true });
  }

  override handleChatModelStart(): void {
    this.starts += 1;
  }

  override handleLLMNewToken(token: string): void {
    this.tokens.push(token);
  }

  override handleLLMEnd(): void {
    this.ends += 1;
  }

  override handleLLMError(error: unknown): void {
    this.errors.push(error);
  }
}

/** Token totals over records, the way a report adds them. */
export function sumTokens(all: readonly CallRecord[]): Pick<TokenUsage, 'input' | 'output' | 'total'> {
  return all.reduce(
    (sum, record) => ({
      input: sum.input + record.tokens.input,
      output: sum.output + record.tokens.output,
      total: sum.total + record.tokens.total,
    }),
    { input: 0, output: 0, total: 0 },
  );
}

/** The ledger's own total cost of a trace, from its summary query. */
export async function traceCost(ledger: Ledger, traceId: string): Promise<{ calls: number; cost: string | null }> {
  const rows = await ledger.usage.summary({ where: { traceId } });
  const row = rows[0];
  return { calls: row?.calls ?? 0, cost: row?.cost ?? null };
}
