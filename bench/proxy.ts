/**
 * Added latency of the proxy: the same fake upstream (the wire server, answering like OpenAI's
 * Chat Completions) reached directly, through llm-ledger's proxy (recording every call into
 * SQLite), through the same proxy with the ledger off (`hop only`: what the extra hop costs before
 * anything is recorded), through a Node process that copies bytes and parses nothing (`bare relay`:
 * what the machine charges any Node proxy for the extra hop, the floor the others sit on) and
 * through @portkey-ai/gateway, in one run. A second process generates the load, open loop over
 * keep-alive connections with the proxy's own lean HTTP/1.1 client, at 200 and 1,000 requests/s,
 * non-streamed and streamed (10 content chunks). Every process is separate, so a proxy's CPU time
 * (read from /proc) is its own. Added latency is a path's percentile minus the direct path's in
 * the same round (the paths run back to back, in shuffled order), and the figure printed is the
 * median of those paired differences over the rounds, with their range: a p99 from a few seconds
 * on a shared 2-core machine moves by a millisecond or two from run to run, and the pairing and
 * the median keep that drift out of the comparison. A path's own figures are medians over the
 * rounds; the ratio divides the medians. Time to first chunk is when the first body bytes arrive.
 *
 * Goals (at 1,000 requests/s): p50 +0.5 ms or less, p99 +2 ms or less, first chunk +0.5 ms or
 * less, and below Portkey on every line. The machine is shared: read figures against the direct
 * baseline and the bare relay of the same run.
 *
 * BENCH_SECONDS (default 5) sets each measured run; BENCH_RATES (default `200,1000`) the rates;
 * BENCH_ROUNDS (default 3) the rounds of each rate and mode. BENCH_DIST runs the
 * library from another build (see _compiled-hooks.mjs), for A/B runs of two commits. The ledger's
 * SQLite file is created under the temporary directory: `TMPDIR=/dev/shm` keeps it in memory, and
 * the difference from a run on disk is what the disk's writes cost (at 1,000 requests/s the store
 * writes about 4.6 kB per streamed call, WAL and checkpoints together).
 *
 * Portkey runs with bench/_portkey-fetch-shim.mjs preloaded, without which its streams fail. Its
 * streamed answers then carry a delay of its own: it holds the first event 25 ms before relaying.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CHILDREN = fileURLToPath(new URL('./_proxy-children.ts', import.meta.url));
const PORTKEY = fileURLToPath(new URL('../node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url));
const PORTKEY_FETCH_SHIM = fileURLToPath(new URL('./_portkey-fetch-shim.mjs', import.meta.url));
const CLOCK_TICKS_PER_SECOND = 100;

type Path = 'direct' | 'llm-ledger' | 'hop only' | 'bare relay' | 'portkey';
const PATHS: readonly Path[] = ['direct', 'llm-ledger', 'hop only', 'bare relay', 'portkey'];
interface LoadResult {
  count: number;
  errors: number;
  lost: number;
  achievedRate: number;
  p50: number;
  p99: number;
  first50: number;
  first99: number;
}
interface Measured extends LoadResult {
  cpuMicrosPerRequest: number | null;
}

export async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rates = (process.env.BENCH_RATES ?? '200,1000').split(',').map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const started: ChildProcess[] = [];
  try {
    const upstream = await startChild(['upstream'], started);
    const ours = await startChild(['ours', JSON.stringify({ upstream: upstream.info.url })], started);
    // The same proxy with the ledger off: the hop alone (Node's HTTP server, two more loopback
    // sends), so that the printout tells what recording adds to it.
    const hop = await startChild(['ours', JSON.stringify({ upstream: upstream.info.url, record: false })], started);
    // A process that copies bytes and parses nothing: what the machine charges any Node proxy for
    // two more loopback hops and two more wake-ups per request, the floor the other paths sit on.
    const relay = await startChild(['relay', JSON.stringify({ upstream: upstream.info.url })], started);
    const portkeyPort = await freePort();
    // Without the shim Portkey answers every streamed request with a 500 (see the file).
    const portkey = spawn(
      process.execPath,
      ['--import', PORTKEY_FETCH_SHIM, PORTKEY, `--port=${portkeyPort}`, '--headless'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    started.push(portkey);
    await waitForPort(portkeyPort);
    const upstreamUrl = String(upstream.info.url);
    const targets: Record<Path, { url: string; headers: Record<string, string>; pid: number | undefined }> = {
      direct: { url: `${upstreamUrl}/v1/chat/completions`, headers: auth(), pid: undefined },
      'llm-ledger': {
        url: `${String(ours.info.url)}/openai/v1/chat/completions`,
        headers: auth(),
        pid: ours.child.pid,
      },
      'hop only': {
        url: `${String(hop.info.url)}/openai/v1/chat/completions`,
        headers: auth(),
        pid: hop.child.pid,
      },
      'bare relay': {
        url: `${String(relay.info.url)}/v1/chat/completions`,
        headers: auth(),
        pid: relay.child.pid,
      },
      portkey: {
        url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
        headers: { ...auth(), 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` },
        pid: portkey.pid,
      },
    };
    process.stdout.write(
      `${seconds} s per run after 1 s of warm-up, ${rounds} round(s); load from a separate process; ` +
        `upstream, llm-ledger proxy (SQLite store), the same proxy with the ledger off (hop only), a bare byte relay ` +
        `and Portkey each in their own process\n`,
    );
    // JIT, the price catalog and the store's first writes: warmed up on every path before measuring.
    for (const path of PATHS) {
      for (const stream of [false, true]) {
        await runLoad({
          url: targets[path].url,
          headers: targets[path].headers,
          body: requestBody(stream),
          rate: 200,
          durationMs: 2000,
          warmUpMs: 0,
        });
      }
    }
    const results: Result[] = [];
    for (const rate of rates) {
      for (const stream of [false, true]) {
        const body = requestBody(stream);
        const runs = Object.fromEntries(PATHS.map((path) => [path, [] as Measured[]])) as Record<Path, Measured[]>;
        for (let round = 0; round < rounds; round++) {
          for (const path of shuffled(PATHS)) {
            const target = targets[path];
            const before = target.pid ? cpuTicks(target.pid) : 0;
            const result = await runLoad({
              url: target.url,
              headers: target.headers,
              body,
              rate,
              durationMs: seconds * 1000,
              warmUpMs: 1000,
            });
            const ticks = target.pid ? cpuTicks(target.pid) - before : 0;
            // Warm-up requests used CPU too: divided by every request of the run.
            const total = Math.round(result.achievedRate * (seconds + 1));
            runs[path].push({
              ...result,
              cpuMicrosPerRequest: target.pid ? ((ticks / CLOCK_TICKS_PER_SECOND) * 1e6) / Math.max(1, total) : null,
            });
          }
        }
        const result = summarize(rate, stream, runs);
        results.push(result);
        print(result);
      }
    }
    verdicts(results);
  } finally {
    for (const child of started) child.kill('SIGTERM');
  }
}

function requestBody(stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    max_tokens: stream ? 10 : 16,
    ...(stream ? { stream: true } : {}),
  });
}

function auth(): Record<string, string> {
  return { authorization: 'Bearer sk-bench' };
}

/** Per path: its figures as medians over the rounds. Per other path: the paired differences. */
interface Result {
  rate: number;
  stream: boolean;
  byPath: Record<Path, Measured>;
  added: Record<Exclude<Path, 'direct'>, Added>;
}
/** Medians (and ranges) over the rounds of a path's figure minus the direct path's in the same round. */
interface Added {
  p50: Spread;
  p99: Spread;
  first50: Spread;
}
interface Spread {
  median: number;
  min: number;
  max: number;
}

function summarize(rate: number, stream: boolean, runs: Record<Path, Measured[]>): Result {
  const byPath = {} as Record<Path, Measured>;
  for (const path of PATHS) {
    const measured = runs[path];
    const of = (pick: (run: Measured) => number) => spread(measured.map(pick)).median;
    byPath[path] = {
      count: of((run) => run.count),
      errors: measured.reduce((sum, run) => sum + run.errors, 0),
      lost: measured.reduce((sum, run) => sum + run.lost, 0),
      achievedRate: of((run) => run.achievedRate),
      p50: of((run) => run.p50),
      p99: of((run) => run.p99),
      first50: of((run) => run.first50),
      first99: of((run) => run.first99),
      cpuMicrosPerRequest: measured[0]!.cpuMicrosPerRequest === null ? null : of((run) => run.cpuMicrosPerRequest!),
    };
  }
  const paired = (path: Exclude<Path, 'direct'>): Added => {
    const differences = (pick: (run: Measured) => number) =>
      spread(runs[path].map((run, round) => pick(run) - pick(runs.direct[round]!)));
    return {
      p50: differences((run) => run.p50),
      p99: differences((run) => run.p99),
      first50: differences((run) => run.first50),
    };
  };
  return {
    rate,
    stream,
    byPath,
    added: Object.fromEntries(
      PATHS.filter((path) => path !== 'direct').map((path) => [path, paired(path)]),
    ) as Result['added'],
  };
}

function print({ rate, stream, byPath, added }: Result): void {
  const direct = byPath.direct;
  process.stdout.write(
    `\n${rate} req/s, ${stream ? 'streamed (10 chunks)' : 'non-streamed'}; medians over the rounds, added = paired with direct in each round\n` +
      `  path          p50 ms   p99 ms  first-chunk p50  | added p50        added p99        added first-chunk | CPU µs/req  achieved/s  errors\n`,
  );
  for (const path of PATHS) {
    const run = byPath[path];
    const columns =
      path === 'direct'
        ? '(baseline)'.padEnd(52)
        : `${addedColumn(added[path].p50, run.p50, direct.p50)} ${addedColumn(added[path].p99, run.p99, direct.p99)} ${addedColumn(added[path].first50, run.first50, direct.first50)}`;
    if (run.count === 0) {
      process.stdout.write(
        `  ${path.padEnd(12)} no successful request (${run.errors} errors, ${run.lost} unanswered)\n`,
      );
      continue;
    }
    process.stdout.write(
      `  ${path.padEnd(12)} ${run.p50.toFixed(2).padStart(7)} ${run.p99.toFixed(2).padStart(8)} ${run.first50
        .toFixed(2)
        .padStart(
          16,
        )}  | ${columns} | ${run.cpuMicrosPerRequest === null ? '-'.padStart(10) : run.cpuMicrosPerRequest.toFixed(0).padStart(10)} ${run.achievedRate
        .toFixed(0)
        .padStart(11)} ${String(run.errors + run.lost).padStart(7)}\n`,
    );
  }
  const ours = added['llm-ledger'];
  const floor = added['bare relay'];
  process.stdout.write(
    `  llm-ledger added, range over the rounds: p50 ${range(ours.p50)}, p99 ${range(ours.p99)}, first chunk ${range(ours.first50)} ms\n` +
      `  bare relay added (the floor), range over the rounds: p50 ${range(floor.p50)}, p99 ${range(floor.p99)} ms\n`,
  );
}

function addedColumn(added: Spread, value: number, baseline: number): string {
  if (!Number.isFinite(added.median) || !Number.isFinite(value) || !Number.isFinite(baseline)) return 'n/a'.padEnd(16);
  return `${(added.median >= 0 ? '+' : '') + added.median.toFixed(2)} (×${(value / baseline).toFixed(2)})`.padEnd(16);
}

function range(values: Spread): string {
  return `${values.min.toFixed(2)} to ${values.max.toFixed(2)}`;
}

function verdicts(results: Result[]): void {
  process.stdout.write('\nGoals (medians of the paired differences):\n');
  for (const { rate, stream, byPath, added } of results) {
    const ours = byPath['llm-ledger'];
    const portkey = byPath.portkey;
    const label = `${rate} req/s ${stream ? 'streamed' : 'non-streamed'}`;
    const lines: string[] = [];
    if (rate >= 1000) {
      lines.push(check('p50 added ≤ 0.5 ms', added['llm-ledger'].p50.median <= 0.5));
      lines.push(check('p99 added ≤ 2 ms', added['llm-ledger'].p99.median <= 2));
      if (stream) lines.push(check('first chunk added ≤ 0.5 ms', added['llm-ledger'].first50.median <= 0.5));
    }
    if (portkey.count === 0) lines.push('Portkey answered no request: no comparison');
    else {
      lines.push(
        check(
          'below Portkey (p50, p99, first chunk)',
          ours.p50 < portkey.p50 && ours.p99 < portkey.p99 && ours.first50 < portkey.first50,
        ),
      );
    }
    process.stdout.write(`  ${label}: ${lines.join('; ')}\n`);
  }
}

function check(name: string, met: boolean): string {
  return `${name} ${met ? 'met' : 'NOT met'}`;
}

function spread(values: number[]): Spread {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN };
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function startChild(
  args: string[],
  started: ChildProcess[],
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILDREN, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.indexOf('\n');
      if (line >= 0) resolve(JSON.parse(output.slice(0, line)) as Record<string, unknown>);
    });
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { child, info };
}

async function runLoad(config: Record<string, unknown>): Promise<LoadResult> {
  const started: ChildProcess[] = [];
  const { info } = await startChild(['load', JSON.stringify(config)], started);
  return info as unknown as LoadResult;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`Portkey did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
