import { performance } from 'node:perf_hooks';
import { Histogram, Counter, Registry } from 'prom-client';
import { createLedger } from '../src/create-ledger.js';
import { silentLogger } from '../src/core/logger.js';
import { PerformanceMonitor } from '../src/observe/monitor/performance-monitor.js';
import { createPrometheusMetrics } from '../src/observe/prometheus/prometheus-metrics.js';
import { createLogHandler } from '../src/observe/logging/log-handler.js';
const ledger = createLedger({ store: 'memory', configFile: false, env: {}, logger: silentLogger });
const messages = [{ role: 'user', content: 'hello there' }];
const recs = Array.from({ length: 1000 }, (_, i) => ledger.start({ provider: 'openai', model: ['a', 'b', 'c', 'd'][i % 4]!, messages, userId: `u${i % 50}` }).complete({ responseMessage: 'ok', tokens: { input: 10, output: 5 }, cost: '0.000123' }));
function time(name: string, fn: (i: number) => void) {
  const n = 200000;
  for (let i = 0; i < n; i++) fn(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  console.log(name.padEnd(30), (((performance.now() - t) * 1e6) / n).toFixed(0), 'ns');
}
const monitor = new PerformanceMonitor();
time('monitor.onEnd', (i) => monitor.onEnd(recs[i % 1000]!));
const metrics = createPrometheusMetrics();
time('metrics.onEnd', (i) => metrics.onEnd(recs[i % 1000]!));
const reg = new Registry();
const h = new Histogram({ name: 'h', help: 'h', labelNames: ['a', 'b', 'c', 'd'], buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536], registers: [reg] });
const labels = { a: 'x', b: 'y', c: 'z', d: 'w' };
time('histogram.observe', (i) => h.observe(labels, i % 100));
const c = new Counter({ name: 'c', help: 'c', labelNames: ['a', 'b', 'c', 'd'], registers: [reg] });
time('counter.inc', () => c.inc(labels, 1));
const logs = createLogHandler({ destination: { write() {} }, level: 'info', env: {} });
time('logs.onEnd', (i) => logs.onEnd!(recs[i % 1000]!));
