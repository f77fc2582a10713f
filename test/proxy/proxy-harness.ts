import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import type { Ledger } from '../../src/core/ledger.js';
import { startLedgerProxy, type LedgerProxyOptions, type ProxyServer } from '../../src/proxy/index.js';
import type { WireServer } from '../support/wire-server/index.js';

/** The proxy in front of the wire server: every upstream points at it. */
export async function proxyFor(
  ledger: Ledger,
  server: WireServer,
  options: LedgerProxyOptions = {},
): Promise<ProxyServer> {
  return startLedgerProxy(ledger, {
    port: 0,
    ...options,
    upstreams: {
      openai: `${server.url}/v1`,
      anthropic: `${server.url}/v1`,
      gemini: `${server.url}/v1beta`,
      groq: `${server.url}/v1`,
      ...options.upstreams,
    },
  });
}

/** The official SDKs pointed at the proxy: only the base URL changes. */
export function proxiedClients(proxy: ProxyServer, headers: Record<string, string> = {}) {
  return {
    openai: new OpenAI({
      apiKey: 'sk-test-client-key-123',
      baseURL: `${proxy.url}/openai/v1`,
      maxRetries: 0,
      defaultHeaders: headers,
    }),
    anthropic: new Anthropic({
      apiKey: 'sk-ant-test-client-key-123',
      baseURL: `${proxy.url}/anthropic`,
      maxRetries: 0,
      defaultHeaders: headers,
    }),
    gemini: new GoogleGenAI({
      apiKey: 'gemini-test-client-key-123',
      httpOptions: { baseUrl: `${proxy.url}/gemini`, headers },
    }),
  };
}

/** One raw request: status, headers and the body's exact bytes. */
export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-client-key-123', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}
