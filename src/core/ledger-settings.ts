export interface LedgerSettings {
  /** false turns every path into a near no-op. */
  enabled: boolean;
  /** true: the ledger's own failures never reach the LLM call; false: they raise LedgerError. */
  failOpen: boolean;
  baseCurrency: string;
  /** For display and export only; stored costs are exact. */
  roundingDecimals: number;
  /** Longest text kept in one field; longer text is cut with a visible marker. */
  maxFieldChars: number;
  handlerTimeoutMs: number;
  batchSize: number;
  flushIntervalMs: number;
  highWaterMark: number;
}

export const DEFAULT_SETTINGS: Readonly<LedgerSettings> = Object.freeze({
  enabled: true,
  failOpen: true,
  baseCurrency: 'USD',
  roundingDecimals: 6,
  maxFieldChars: 1_000_000,
  handlerTimeoutMs: 5_000,
  batchSize: 500,
  flushIntervalMs: 250,
  highWaterMark: 100_000,
});
