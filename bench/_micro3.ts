import { performance } from 'node:perf_hooks';
import { createLedger } from '../src/create-ledger.js';
import { silentLogger } from '../src/core/logger.js';
import { PerformanceMonitor } from '../src/observe/monitor/performance-monitor.js';
import { createLogHandler } from '../src/observe/logging/log-handler.js';
const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger });
const messages = [{ role: 'user', content: 'hello there' }];
const recs = Array.from({ length: 1000 }, (_, i) => ledger.start({ provider: 'openai', model: ['a', 'b', 'c', 'd'][i % 4]!, messages, userId: `u${i % 50}` }).complete({ responseMessage: 'ok', tokens: { input: 10, output: 5 }, cost: '0.000123' }));
function time(name: string, fn: (i: number) => void) {
  const n = 300000;
  for (let i = 0; i < n; i++) fn(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  console.log(name.padEnd(30), (((performance.now() - t) * 1e6) / n).toFixed(0), 'ns');
}
const which = process.argv[2];
if (which === 'monitor') { const monitor = new PerformanceMonitor(); time('monitor.onEnd', (i) => monitor.onEnd(recs[i % 1000]!)); }
if (which === 'logs') { const logs = createLogHandler({ destination: { write() {} }, level: 'info', env: {} }); time('logs.onEnd', (i) => logs.onEnd!(recs[i % 1000]!)); }
