import { createLedger, type CreateLedgerOptions } from '../../src/create-ledger.js';
import type { Clock } from '../../src/core/call.js';
import type { Ledger } from '../../src/core/ledger.js';
import type { LedgerLogger } from '../../src/core/logger.js';
import type { CallRecord } from '../../src/core/record.js';
import type { CallPage, CostUpdate, ListQuery, Store, SummaryQuery, SummaryRow } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  object: Record<string, unknown>;
}

/** A logger that keeps every line, for asserting what the ledger reported and how often. */
export interface CapturingLogger extends LedgerLogger {
  readonly entries: LogEntry[];
  /** warn and error lines whose message contains `text`. */
  problems(text?: string): LogEntry[];
}

export function capturingLogger(): CapturingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (object: Record<string, unknown>, message: string): void => {
      entries.push({ level, message, object });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    problems(text) {
      return entries.filter(
        (entry) => (entry.level === 'warn' || entry.level === 'error') && (!text || entry.message.includes(text)),
      );
    },
  };
}

export interface TestLedger {
  ledger: Ledger;
  logger: CapturingLogger;
  store: Store;
}

/** A memory-backed ledger that reads no config file and no process environment. */
export function testLedger(options: CreateLedgerOptions = {}): TestLedger {
  const logger = capturingLogger();
  const store = typeof options.store === 'object' ? options.store : new MemoryStore();
  // The core's own behaviour, without the price catalog (tested in test/pricing), and without
  // dead-letter files in the working directory (tested in test/delivery).
  const ledger = createLedger({
    configFile: false,
    env: {},
    logger,
    pricer: false,
    deadLetters: false,
    ...options,
    store,
  });
  return { ledger, logger, store };
}

/** A clock the test moves by hand: wall time and monotonic time advance together. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 1_000;

  constructor(start: number = Date.UTC(2025, 0, 15, 12, 0, 0)) {
    this.wall = start;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  advance(milliseconds: number): void {
    this.wall += milliseconds;
    this.mono += milliseconds;
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves after pending immediates (handler dispatch, batch flushes) have run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A store that can be switched into failure, records every write attempt, and keeps what it
 * accepted in a MemoryStore (which is what queries read).
 */
export class FlakyStore implements Store {
  readonly kind = 'flaky';
  readonly inner = new MemoryStore();
  failing = false;
  failure: unknown = new Error('disk full');
  /** Every batch passed to write(), whether it succeeded or not. */
  readonly attempts: Array<{ ids: string[]; ok: boolean }> = [];
  /** Ids of records accepted, in order, duplicates included. */
  readonly accepted: string[] = [];

  async write(records: readonly CallRecord[]): Promise<void> {
    const ids = records.map((record) => record.id);
    if (this.failing) {
      this.attempts.push({ ids, ok: false });
      throw this.failure;
    }
    this.attempts.push({ ids, ok: true });
    this.accepted.push(...ids);
    await this.inner.write(records);
  }

  get(id: string): Promise<CallRecord | null> {
    return this.inner.get(id);
  }

  list(query: ListQuery): Promise<CallPage> {
    return this.inner.list(query);
  }

  byTrace(traceId: string): Promise<CallRecord[]> {
    return this.inner.byTrace(traceId);
  }

  summary(query: SummaryQuery): Promise<SummaryRow[]> {
    return this.inner.summary(query);
  }

  updateCosts(updates: readonly CostUpdate[]): Promise<number> {
    return this.inner.updateCosts(updates);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
