import { recordSdkCall } from '../src/capture/record-call.js';
import { createBinding } from '../src/capture/capture-defaults.js';
import { chatCompletionsEndpoint } from '../src/capture/openai/openai-endpoints.js';
import { createLedger } from '../src/create-ledger.js';
import { silentLogger } from '../src/core/logger.js';
import { createPricer } from '../src/pricing/create-pricer.js';
import { chatCompletionBody, openaiUsage } from '../test/support/wire-server/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bodyText = JSON.stringify(chatCompletionBody({ content: 'Hello from the bench.', usage: openaiUsage(24, 6) }));
class FakeAPIPromise {
  responsePromise: Promise<unknown>;
  parseResponse = async (_c: unknown, _p: unknown) => JSON.parse(bodyText);
  constructor() { this.responsePromise = Promise.resolve({}); }
  then(a: (v: unknown) => unknown, b?: (e: unknown) => unknown) { return this.responsePromise.then((p) => this.parseResponse(null, p)).then(a, b); }
}
const original = function (this: unknown) { return new FakeAPIPromise(); };
const store = process.env.STORE === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'iso-')), 'l.db') : 'memory';
const ledger = createLedger({ store, configFile: false, env: {}, logger: silentLogger, pricer: process.env.NOPRICE ? undefined : createPricer() });
const binding = createBinding(ledger, {});
const params = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Say hello to the benchmark.' }] };
async function run(recorded: boolean, n = 5000) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const p = recorded ? (recordSdkCall(binding, chatCompletionsEndpoint, 'openai', original as never, null, [params]) as FakeAPIPromise) : original();
    await p;
  }
  const d = process.cpuUsage(cpu);
  return (d.user + d.system) / n;
}
const diffs: number[] = [];
for (let r = 0; r < 25; r++) { const a = await run(false); const b = await run(true); if (r >= 5) diffs.push(b - a); }
diffs.sort((x, y) => x - y);
console.log('added µs/call (median of paired):', diffs[diffs.length >> 1]!.toFixed(2), 'p25', diffs[Math.floor(diffs.length / 4)]!.toFixed(2), 'p75', diffs[Math.floor((3 * diffs.length) / 4)]!.toFixed(2));
await ledger.close();
