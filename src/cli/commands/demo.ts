import { parseArgs } from 'node:util';
import type { Ledger } from '../../core/ledger.js';
import type { CliCommand, CliIo } from '../command.js';
import { demoClients, type LiveKeys } from '../demo/demo-clients.js';
import { loadSdks } from '../demo/load-sdks.js';
import { recordSdkCalls } from '../demo/sdk-calls.js';
import { recordSimulatedCalls } from '../demo/simulated-calls.js';
import { printable } from '../format/printable.js';
import { LEDGER_OPTIONS, openCliLedger } from '../open-ledger.js';
import { startWireServer, type WireServer } from '../../testing/index.js';
import { renderReport } from './report.js';
import { renderTrace } from './trace.js';

const USAGE = `llm-ledger demo [--live] [--db PATH]

Records a realistic set of calls (several models and users, a traced RAG pipeline with parent and
child calls, a tool call, cache and reasoning tokens, streams, a rate limit, an aborted stream, a
model no catalog prices) into the ledger (default ./.llm-ledger/ledger.db) and prints the usage
report and the trace.

The calls are made with the real openai, @anthropic-ai/sdk and @google/genai clients, wrapped by
ledger.wrap(), against a local server that answers exactly like the providers: no API key needed.

  --live   call the real OpenAI and/or Anthropic APIs instead, for each provider whose key is set
           (OPENAI_API_KEY, ANTHROPIC_API_KEY): a few small calls to gpt-4o-mini and
           claude-3-5-haiku, at most 50 output tokens each. Gemini and the scripted rate limit and
           self-hosted model stay on the local server.`;

export const command: CliCommand = {
  name: 'demo',
  summary: 'record a realistic set of calls and print the report',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { ...LEDGER_OPTIONS, live: { type: 'boolean' } },
      strict: true,
    });
    const keys: LiveKeys = {};
    if (values.live) {
      keys.openai = io.env.OPENAI_API_KEY || undefined;
      keys.anthropic = io.env.ANTHROPIC_API_KEY || undefined;
      if (!keys.openai && !keys.anthropic) {
        io.stderr(
          'llm-ledger demo: --live needs OPENAI_API_KEY and/or ANTHROPIC_API_KEY in the environment.\n' +
            'Without a key, run `llm-ledger demo`: it calls a local server that answers like the providers.\n',
        );
        return 2;
      }
    }
    const sdks = await loadSdks();
    if (!sdks.ok && values.live) {
      io.stderr(`llm-ledger demo: --live needs the ${sdks.missing} package: npm install ${sdks.missing}\n`);
      return 2;
    }
    const ledger = openCliLedger(values, io, { create: true });
    let server: WireServer | undefined;
    try {
      let traceId: string;
      if (sdks.ok) {
        server = await startWireServer();
        const clients = demoClients(ledger, sdks.sdks, server, keys);
        try {
          traceId = await recordSdkCalls(ledger, clients);
        } catch (error) {
          if (!values.live) throw error;
          io.stderr(`llm-ledger demo: a live call failed: ${printable(redact(error, keys))}\n`);
          return 1;
        }
      } else {
        io.stderr(
          `llm-ledger demo: ${sdks.missing} is not installed, so these calls are simulated, not made with the SDKs.\n`,
        );
        traceId = await recordSimulatedCalls(ledger);
      }
      await printReport(ledger, traceId, values.db, io, keys);
      return 0;
    } finally {
      await server?.close();
      await ledger.close();
    }
  },
};

async function printReport(
  ledger: Ledger,
  traceId: string,
  db: string | undefined,
  io: CliIo,
  keys: LiveKeys,
): Promise<void> {
  const recorded = ledger.stats().queued;
  const rows = await ledger.usage.summary({ groupBy: ['model'], where: { tags: ['demo'] } });
  const trace = await ledger.calls.byTrace(traceId);
  io.stdout(
    `Recorded ${recorded} calls into the ${ledger.store.kind} ledger ${printable(storeLocation(db, io.env))}.\n`,
  );
  const live = (['openai', 'anthropic'] as const).filter((provider) => keys[provider]);
  if (live.length > 0) io.stdout(`Live: ${live.join(' and ')} called for real; the rest from the local server.\n`);
  io.stdout('\nUsage by model (all demo runs so far):\n');
  io.stdout(renderReport(rows, ['model'], ledger.settings.baseCurrency, ledger.settings.roundingDecimals));
  io.stdout('\nThe RAG pipeline of this run as one trace:\n');
  io.stdout(renderTrace(traceId, trace, ledger.settings.roundingDecimals));
  io.stdout('\nTry: npx llm-ledger report --by user,model   |   npx llm-ledger calls --status error\n');
}

function storeLocation(db: string | undefined, env: Record<string, string | undefined>): string {
  return db ?? env.LLM_LEDGER_DB ?? './.llm-ledger/ledger.db';
}

/** An error's message with any API key cut out: keys are never printed. */
function redact(error: unknown, keys: LiveKeys): string {
  let message = error instanceof Error ? error.message : String(error);
  for (const key of [keys.openai, keys.anthropic]) if (key) message = message.split(key).join('[key]');
  return message;
}
