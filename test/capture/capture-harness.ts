import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import type { Pricer } from '../../src/core/call.js';
import type { Ledger } from '../../src/core/ledger.js';
import type { CallCost, CallRecord } from '../../src/core/record.js';
import { createLedger, type CreateLedgerOptions } from '../../src/create-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { startWireServer, type WireServer } from '../support/wire-server/index.js';

/** Prices every model at $1 per 1M input tokens and $2 per 1M output tokens, so costs are easy to check. */
export const testPricer: Pricer = {
  price(record: CallRecord): CallCost {
    const micros = record.tokens.input + 2 * record.tokens.output;
    return {
      total: microsToDollars(micros),
      breakdown: {},
      currency: 'USD',
      pricingVersion: 'test-prices-1',
      // Like the real pricer: counts not from the provider (tokenizer or estimate) make the cost estimated.
      status: record.tokenSource === 'provider' ? 'priced' : 'estimated',
    };
  },
};

export function microsToDollars(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, '0');
  return `${whole}.${fraction}`;
}

/** The cost the test pricer gives for these counts. */
export function expectedCost(input: number, output: number): string {
  return microsToDollars(input + 2 * output);
}

export function testLedger(options: Partial<CreateLedgerOptions> = {}): Ledger {
  return createLedger({
    store: 'memory',
    configFile: false,
    env: {},
    logger: silentLogger,
    pricer: testPricer,
    ...options,
  });
}

/** All records, oldest first. */
export async function records(ledger: Ledger): Promise<CallRecord[]> {
  const page = await ledger.calls.list({ order: 'asc', limit: 1000 });
  return page.records;
}

/** The single record the ledger holds; fails when there is not exactly one. */
export async function onlyRecord(ledger: Ledger): Promise<CallRecord> {
  const all = await records(ledger);
  if (all.length !== 1) throw new Error(`expected exactly one record, found ${all.length}`);
  return all[0]!;
}

export interface Clients {
  openai: OpenAI;
  anthropic: Anthropic;
  gemini: GoogleGenAI;
}

/** Fresh, unwrapped SDK clients pointed at the wire server; no retries unless a test asks. */
export function sdkClients(server: WireServer, maxRetries = 0): Clients {
  return {
    openai: new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries }),
    anthropic: new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.anthropicBaseURL, maxRetries }),
    gemini: new GoogleGenAI({ apiKey: 'gemini-test', httpOptions: { baseUrl: server.geminiBaseURL } }),
  };
}

export { startWireServer, type WireServer };

/** Reads a stream to its end, like an application. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Waits until `predicate` holds (records finalized off the caller's path, idle timeouts). */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
