import { createLogHandler } from '../src/observe/logging/log-handler.js';
import { createLedger } from '../src/create-ledger.js';
import { silentLogger } from '../src/core/logger.js';
import { performance } from 'node:perf_hooks';
const mode = process.argv[2] ?? 'file';
const dest = mode === 'null' ? { write() {} } : '/tmp/obsprof/x.jsonl';
const logs = createLogHandler({ destination: dest, level: 'info', env: {} });
const handlers = mode === 'bare' ? [] : [logs];
const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger, handlers });
const messages = [{ role: 'user', content: 'hello there' }];
for (let r = 0; r < 150; r++) {
  const t = performance.now();
  for (let i = 0; i < 2000; i++) {
    const c = ledger.start({ provider: 'openai', model: 'gpt-4o', messages, userId: 'u' });
    c.complete({ responseMessage: 'ok', tokens: { input: 10, output: 5 }, cost: '0.000123' });
  }
  await ledger.flush();
  if (r % 50 === 49) console.log(mode, (((performance.now() - t) * 1e6) / 2000).toFixed(0), 'ns/call');
}
await logs.close();
