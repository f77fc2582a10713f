import type { Ledger } from '../../core/ledger.js';
import { CallType } from '../../core/record.js';
import type { RouteName, Script, WireServer } from '../../testing/index.js';
import type { DemoSdks } from './load-sdks.js';

/** API keys of the providers `--live` calls for real; a provider without one is served locally. */
export interface LiveKeys {
  openai?: string;
  anthropic?: string;
}

/** Where each provider is reached: the real API (`--live` with its key) or the local wire server. */
export type Target = 'openai' | 'anthropic' | 'local';

export interface DemoClients {
  /** Chat and embeddings, recorded as CHAT / EMBEDDING. */
  openai: InstanceType<DemoSdks['OpenAI']>;
  /** The RAG pipeline's synthesis steps, recorded as RAG_SYNTHESIS. */
  ragOpenAI: InstanceType<DemoSdks['OpenAI']>;
  /** Not wrapped: the RAG root reports its own call through `ledger.logCall`. */
  plainOpenAI: InstanceType<DemoSdks['OpenAI']>;
  /** An OpenAI-compatible self-hosted endpoint (always the local server) serving a model no catalog knows. */
  selfHosted: InstanceType<DemoSdks['OpenAI']>;
  anthropic: InstanceType<DemoSdks['Anthropic']>;
  /** Summaries, recorded as SUMMARIZATION. Always the local server. */
  gemini: InstanceType<DemoSdks['GoogleGenAI']>;
  /** Queues `script` on the local server when `target` is served locally; a live provider needs none. */
  script(target: Target, route: RouteName, script: Script): void;
  live: { openai: boolean; anthropic: boolean };
}

/** Real SDK clients, each wrapped by the ledger, pointed at the local server or (with `--live`) the real API. */
export function demoClients(ledger: Ledger, sdks: DemoSdks, server: WireServer, keys: LiveKeys): DemoClients {
  const local = { apiKey: 'demo', maxRetries: 0 };
  const openaiOptions = () =>
    keys.openai ? { apiKey: keys.openai, maxRetries: 0 } : { ...local, baseURL: server.openaiBaseURL };
  const anthropicOptions = keys.anthropic
    ? { apiKey: keys.anthropic, maxRetries: 0 }
    : { ...local, baseURL: server.anthropicBaseURL };
  // `wrap` instruments a client in place, so clients with different defaults are separate instances.
  return {
    openai: ledger.wrap(new sdks.OpenAI(openaiOptions())),
    ragOpenAI: ledger.wrap(new sdks.OpenAI(openaiOptions()), { callType: CallType.RAG_SYNTHESIS }),
    plainOpenAI: new sdks.OpenAI(openaiOptions()),
    selfHosted: ledger.wrap(new sdks.OpenAI({ ...local, baseURL: server.openaiBaseURL }), { provider: 'self-hosted' }),
    anthropic: ledger.wrap(new sdks.Anthropic(anthropicOptions)),
    gemini: ledger.wrap(new sdks.GoogleGenAI({ apiKey: 'demo', httpOptions: { baseUrl: server.geminiBaseURL } }), {
      callType: CallType.SUMMARIZATION,
    }),
    script(target, route, script) {
      if (target === 'local' || !keys[target]) server.script(route, script);
    },
    live: { openai: Boolean(keys.openai), anthropic: Boolean(keys.anthropic) },
  };
}

/** A reply that waits `delayMs` first: the model's think time, so latencies and percentiles look real. */
export function after(delayMs: number, script: Script): Script {
  return (request) => {
    const reply = typeof script === 'function' ? script(request) : script;
    return reply.kind === 'json' || reply.kind === 'sse' ? { ...reply, delayMs } : reply;
  };
}
