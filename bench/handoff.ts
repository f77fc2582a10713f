/**
 * Main-thread CPU per record for handing records to the SQLite write worker: postMessage's
 * structured clone of the records (the former path) against RecordEncoder writing them into a
 * SharedArrayBuffer (the current one). Both loops run on the realistic records of
 * bench/_fixtures.ts, in chunks as the client sends them; the receiving worker discards what it
 * gets, so only the sending side is measured. CPU time of this thread, not wall time, so the
 * machine's load barely moves the figures.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { RecordDecoder, RecordEncoder } from '../src/core/record-codec.js';
import { buildRecords } from './_fixtures.js';

const RECORDS = 20_000;
const ROUNDS = 5;

function threadCpuNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) * 1_000;
  }
}

export async function main(): Promise<void> {
  const records = buildRecords(RECORDS);
  const worker = new Worker('require("node:worker_threads").parentPort.on("message", () => {})', { eval: true });
  const bytes = Buffer.byteLength(JSON.stringify(records)) / RECORDS;
  process.stdout.write(
    `${RECORDS.toLocaleString('en-US')} records of ~${Math.round(bytes)} bytes of JSON, best of ${ROUNDS} rounds\n`,
  );

  const clone = (): number => {
    const before = threadCpuNs();
    for (let offset = 0; offset < records.length; offset += 25) {
      worker.postMessage({ kind: 'write', id: 1, records: records.slice(offset, offset + 25), last: false });
    }
    return (threadCpuNs() - before) / RECORDS / 1_000;
  };
  const encoder = new RecordEncoder(new SharedArrayBuffer(256 * 1024));
  const encode = (): number => {
    const before = threadCpuNs();
    encoder.reset();
    let count = 0;
    for (const record of records) {
      if (!encoder.write(record)) {
        // As the client does: a small message per full buffer.
        worker.postMessage({ kind: 'chunk', bytes: encoder.length, count });
        encoder.reset();
        count = 0;
        encoder.write(record);
      }
      count++;
    }
    return (threadCpuNs() - before) / RECORDS / 1_000;
  };
  const decoder = new RecordDecoder();
  const decode = (): number => {
    const scratch = new RecordEncoder(new SharedArrayBuffer(64 * 1024 * 1024));
    for (const record of records) scratch.write(record);
    const before = threadCpuNs();
    decoder.read(scratch.shared, scratch.length, records.length);
    return (threadCpuNs() - before) / RECORDS / 1_000;
  };
  const best = (run: () => number) => Math.min(...Array.from({ length: ROUNDS }, run));
  // Warm-up of both paths.
  clone();
  encode();
  const rows: Array<[string, number]> = [
    ['structured clone (postMessage, chunks of 25)', best(clone)],
    ['RecordEncoder into a SharedArrayBuffer', best(encode)],
    ['RecordDecoder (runs in the worker) [reference]', best(decode)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, us] of rows)
    process.stdout.write(`${name.padEnd(width)}  ${us.toFixed(2).padStart(6)} µs/record\n`);
  process.stdout.write(`encoder / structured clone: ${(rows[1]![1] / rows[0]![1]).toFixed(2)}\n`);
  await worker.terminate();
}
