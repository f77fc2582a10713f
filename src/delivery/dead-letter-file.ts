import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DeadLetterFile } from '../core/dead-letters.js';
import type { CallRecord } from '../core/record.js';

/** One line of a dead-letter file (the spool's `dead-letters.jsonl` uses the same shape). */
export interface DeadLetterLine {
  at: string;
  reason: string;
  record: CallRecord;
}

/**
 * Dead letters in a directory, one JSON-lines file per process (`dead-letters-TIME-PID.jsonl`,
 * so processes sharing the directory never interleave): records the store refused for good, or
 * could not take before `close()` (disk full, locked beyond the retries, read-only since open).
 * Each write is fsynced before it returns. `llm-ledger replay` writes them back.
 */
export class DeadLetterDirectory implements DeadLetterFile {
  private path: string | undefined;

  constructor(readonly directory: string) {}

  write(records: readonly CallRecord[], reason: string): string {
    if (this.path === undefined) {
      mkdirSync(this.directory, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      this.path = join(this.directory, `dead-letters-${stamp}-${process.pid}.jsonl`);
    }
    const at = new Date().toISOString();
    let text = '';
    for (const record of records) text += `${JSON.stringify({ at, reason, record } satisfies DeadLetterLine)}\n`;
    const buffer = Buffer.from(text, 'utf8');
    const fd = openSync(this.path, 'a');
    try {
      for (let written = 0; written < buffer.length;) {
        written += writeSync(fd, buffer, written, buffer.length - written);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return this.path;
  }
}

/** The records of a dead-letter file, and the count of lines that were not a dead letter (torn or foreign). */
export function readDeadLetterFile(path: string): { records: CallRecord[]; unreadable: number } {
  const records: CallRecord[] = [];
  let unreadable = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as Partial<DeadLetterLine> | null;
      const record = parsed?.record;
      if (record && typeof record === 'object' && typeof record.id === 'string') records.push(record);
      else unreadable += 1;
    } catch {
      unreadable += 1;
    }
  }
  return { records, unreadable };
}
