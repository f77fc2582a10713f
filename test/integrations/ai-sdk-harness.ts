import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { wrapEmbeddingModel, wrapLanguageModel } from 'ai';
import type { Ledger } from '../../src/core/ledger.js';
import type { CallRecord } from '../../src/core/record.js';
import {
  ledgerEmbeddingMiddleware,
  ledgerMiddleware,
  type LedgerMiddlewareOptions,
} from '../../src/integrations/ai-sdk.js';
import type { WireServer } from '../support/wire-server/index.js';
import { records } from '../capture/capture-harness.js';

export {
  collect,
  eventually,
  expectedCost,
  onlyRecord,
  records,
  startWireServer,
  testLedger,
  type WireServer,
} from '../capture/capture-harness.js';

/** AI SDK providers pointed at the wire server (OpenAI's base URL ends in `/v1`; Anthropic's needs it added). */
export function providers(server: WireServer) {
  return {
    openai: createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-test' }),
    anthropic: createAnthropic({ baseURL: `${server.anthropicBaseURL}/v1`, apiKey: 'sk-ant-test' }),
  };
}

export type ModelKind = 'openai.chat' | 'openai.responses' | 'anthropic.messages';

/** A raw provider model of the given kind. */
export function rawModel(server: WireServer, kind: ModelKind) {
  const { openai, anthropic } = providers(server);
  if (kind === 'openai.chat') return openai.chat('gpt-4o-mini');
  if (kind === 'openai.responses') return openai.responses('gpt-4.1');
  return anthropic.messages('claude-sonnet-4-5');
}

/** The same model wrapped with the ledger middleware. */
export function recordedModel(
  server: WireServer,
  kind: ModelKind,
  ledger: Ledger,
  options: Omit<LedgerMiddlewareOptions, 'ledger'> = {},
) {
  return wrapLanguageModel({ model: rawModel(server, kind), middleware: ledgerMiddleware({ ledger, ...options }) });
}

export function recordedEmbeddingModel(server: WireServer, ledger: Ledger) {
  return wrapEmbeddingModel({
    model: providers(server).openai.embedding('text-embedding-3-small'),
    middleware: ledgerEmbeddingMiddleware({ ledger }),
  });
}

/** Every part of a model stream, read to its end. */
export async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const parts: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

/** Sums of tokens and cost (in micro-dollars, exact with the test pricer) over records. */
export function totals(list: readonly CallRecord[]) {
  let input = 0;
  let output = 0;
  let micros = 0;
  for (const record of list) {
    input += record.tokens.input;
    output += record.tokens.output;
    micros += Math.round(Number(record.cost?.total ?? '0') * 1_000_000);
  }
  return { input, output, micros };
}

/** Waits until the ledger holds `count` records, then returns them oldest first. */
export async function recordsWhenCount(ledger: Ledger, count: number, timeoutMs = 2_000): Promise<CallRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await records(ledger);
    if (all.length >= count || Date.now() > deadline) return all;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
