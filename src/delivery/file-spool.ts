import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CallRecord } from '../core/record.js';
import { ConfigError, ERROR_KIND, errorKind } from '../core/errors.js';
import type { Spool, SpoolState } from '../core/spool.js';
import { releaseLock, tryLock } from './spool-lock.js';

export interface FileSpoolOptions {
  /** Directory of the spool files; created when missing. Use one directory per process. */
  directory: string;
  /** Receives lines that cannot be parsed (a disk fault); they are moved to the dead letters. */
  onCorruptLine?: (line: string) => void;
}

const RECORDS_FILE = 'spool.jsonl';
const OFFSET_FILE = 'spool.offset';
const DEAD_LETTERS_FILE = 'dead-letters.jsonl';
const INITIAL_READ_BYTES = 1 << 20;

/**
 * An append-only JSON-lines file with a separately stored read offset. `append` writes one
 * buffer and fsyncs; `acknowledge` advances the offset (written atomically by rename); once
 * everything is acknowledged the file is truncated. Opening an existing directory resumes where
 * the last process stopped: a torn last line (a crash mid-append, before `append` returned) is cut
 * off, and records after the offset are pending.
 *
 * One spool per directory: two processes (or two ledgers of one process) appending to one file
 * would interleave safely, but their offsets would not. A lock file holding the owner's pid
 * enforces it; a lock left by a process that no longer runs (a crash), or holding this process's
 * own pid without a spool of this process behind it (a container restarted with the same pid), is
 * taken over, so a restarted process replays its predecessor's records. A directory in use is a
 * `SpoolInUseError` (a ConfigError). `openProcessSpool` picks a free directory per process.
 */
export class FileSpool implements Spool {
  readonly directory: string;
  private readonly fd: number;
  private offset: number;
  private size: number;
  private pendingCount: number;
  /** Byte length of each record returned by the last peek, for acknowledge. */
  private peeked: number[] = [];
  private closed = false;

  constructor(private readonly options: FileSpoolOptions) {
    this.directory = options.directory;
    mkdirSync(this.directory, { recursive: true });
    const lock = tryLock(this.directory);
    if (!lock.locked) throw new SpoolInUseError(this.directory, lock.holder, lock.sameProcess);
    try {
      this.fd = openSync(join(this.directory, RECORDS_FILE), 'a+');
    } catch (error) {
      releaseLock(this.directory);
      throw error;
    }
    this.size = fstatSync(this.fd).size;
    this.cutTornTail();
    this.offset = this.readOffset();
    this.pendingCount = this.countLines(this.offset);
  }

  get state(): SpoolState {
    return { pending: this.pendingCount, bytes: this.size - this.offset };
  }

  append(records: readonly CallRecord[]): void {
    this.ensureOpen();
    if (records.length === 0) return;
    let text = '';
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    const buffer = Buffer.from(text, 'utf8');
    let written = 0;
    // 'a+' appends at the end whatever the position argument says.
    while (written < buffer.length) written += writeSync(this.fd, buffer, written, buffer.length - written);
    fsyncSync(this.fd);
    this.size += buffer.length;
    this.pendingCount += records.length;
  }

  peek(max: number): CallRecord[] {
    this.ensureOpen();
    this.peeked = [];
    const records: CallRecord[] = [];
    if (this.pendingCount === 0 || max <= 0) return records;
    let want = INITIAL_READ_BYTES;
    for (;;) {
      const length = Math.min(want, this.size - this.offset);
      const buffer = Buffer.allocUnsafe(length);
      const read = readSync(this.fd, buffer, 0, length, this.offset);
      let start = 0;
      while (records.length < max) {
        const end = buffer.indexOf(10, start);
        if (end === -1 || end >= read) break;
        const line = buffer.toString('utf8', start, end);
        this.peeked.push(end + 1 - start);
        const record = this.parse(line);
        // A corrupt line still takes its slot in `peeked`, so acknowledge skips it.
        if (record) records.push(record);
        start = end + 1;
      }
      if (this.peeked.length > 0 || length >= this.size - this.offset) return records;
      want *= 4; // a single record larger than the read: read more
    }
  }

  acknowledge(): void {
    this.ensureOpen();
    for (const bytes of this.peeked) this.offset += bytes;
    this.pendingCount -= this.peeked.length;
    this.peeked = [];
    if (this.pendingCount === 0 && this.offset >= this.size) {
      // Everything is in the store: start the file over rather than let it grow for ever. The
      // offset is reset after the truncation and synced, so that a stale offset can never point
      // into records appended later; a crash in between is repaired on open.
      ftruncateSync(this.fd, 0);
      fsyncSync(this.fd);
      this.size = 0;
      this.offset = 0;
      this.writeOffset(true);
      return;
    }
    // Not synced: an offset lost in a crash only replays records again, which is idempotent.
    this.writeOffset(false);
  }

  deadLetter(records: readonly CallRecord[], reason: string): void {
    this.ensureOpen();
    const at = new Date().toISOString();
    let text = '';
    for (const record of records) text += `${JSON.stringify({ at, reason, record })}\n`;
    const fd = openSync(join(this.directory, DEAD_LETTERS_FILE), 'a');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    releaseLock(this.directory);
  }

  private parse(line: string): CallRecord | undefined {
    try {
      return JSON.parse(line) as CallRecord;
    } catch {
      this.options.onCorruptLine?.(line);
      this.deadLetterLine(line);
      return undefined;
    }
  }

  private deadLetterLine(line: string): void {
    const fd = openSync(join(this.directory, DEAD_LETTERS_FILE), 'a');
    try {
      writeSync(fd, `${JSON.stringify({ at: new Date().toISOString(), reason: 'unreadable spool line', line })}\n`);
    } finally {
      closeSync(fd);
    }
  }

  private cutTornTail(): void {
    if (this.size === 0) return;
    const last = Buffer.alloc(1);
    readSync(this.fd, last, 0, 1, this.size - 1);
    if (last[0] === 10) return;
    // Find the last newline; everything after it is a record whose append never returned.
    let end = this.size;
    const chunk = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const read = readSync(this.fd, chunk, 0, end - start, start);
      const index = chunk.subarray(0, read).lastIndexOf(10);
      if (index !== -1) {
        end = start + index + 1;
        break;
      }
      end = start;
    }
    ftruncateSync(this.fd, end);
    this.size = end;
  }

  private readOffset(): number {
    try {
      const value = Number(readFileSync(join(this.directory, OFFSET_FILE), 'utf8'));
      // An offset past the end is left from a crash between truncation and offset reset.
      return Number.isSafeInteger(value) && value >= 0 && value <= this.size ? value : 0;
    } catch {
      return 0;
    }
  }

  private writeOffset(sync: boolean): void {
    const path = join(this.directory, OFFSET_FILE);
    if (!sync) {
      writeFileSync(`${path}.tmp`, String(this.offset));
    } else {
      const fd = openSync(`${path}.tmp`, 'w');
      try {
        writeSync(fd, String(this.offset));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(`${path}.tmp`, path);
  }

  private countLines(from: number): number {
    let count = 0;
    const chunk = Buffer.allocUnsafe(INITIAL_READ_BYTES);
    for (let position = from; position < this.size;) {
      const read = readSync(this.fd, chunk, 0, Math.min(chunk.length, this.size - position), position);
      if (read <= 0) break;
      for (let index = chunk.indexOf(10, 0); index !== -1 && index < read; index = chunk.indexOf(10, index + 1))
        count++;
      position += read;
    }
    return count;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`The spool in ${this.directory} is closed`);
  }
}

/** The spool directory is held by another running process, or by another ledger of this process. */
export class SpoolInUseError extends ConfigError {
  static override readonly [ERROR_KIND]: string = errorKind('SpoolInUseError');

  /** Pid of the holder (this process's own pid when another ledger of this process holds it). */
  readonly holder: number;

  constructor(directory: string, holder: number, sameProcess: boolean) {
    super({
      source: 'options',
      path: 'spool',
      expected:
        'a spool directory no other running process or ledger uses: give each process (and each ledger of a ' +
        'process) its own `spool` directory, or leave `spool` unset and each process gets a free one ' +
        'under .llm-ledger/',
      received: `${JSON.stringify(directory)}, in use by ${sameProcess ? 'another ledger of this process' : holder > 0 ? `process ${holder}` : 'a process starting on it'}`,
    });
    this.name = 'SpoolInUseError';
    this.holder = holder;
  }
}
