import { checkLogHandlerOptions } from '../observe-options.js';
import { BUILT_IN_EMOJI_SETS } from './llm-emoji-set.js';
import type { CallStart } from '../../core/call.js';
import type { LedgerEvent, LedgerHandler } from '../../core/handlers.js';
import type { CallRecord } from '../../core/record.js';
import { failureKind } from '../shared/failure-kind.js';
import { Redactor, type RedactionOptions } from '../shared/redaction.js';
import { eventSpec, LLM_EVENTS, type LLMEventName, type LogLevel } from './llm-events.js';
import { LLMLogger, type LLMLoggerOptions } from './llm-logger.js';
import { costEventFields, endFields, startFields, tokenCountFields } from './record-fields.js';

/** Opt-in content logging. Content always passes through redaction. */
export interface ContentLoggingOptions extends RedactionOptions {
  enabled: boolean;
}

/** Anything that publishes log-worthy events, such as the PerformanceMonitor. */
export interface LogEventSource {
  subscribe(listener: (event: { event: string; level: LogLevel; fields: Record<string, unknown> }) => void): () => void;
}

export interface LogHandlerOptions extends LLMLoggerOptions {
  /** An LLMLogger to write through; otherwise one is made from the other options. */
  llmLogger?: LLMLogger;
  /**
   * Prompts and responses are never logged by default (lengths only). `true` or
   * `{ enabled: true, patterns }` logs them after redaction (API keys, bearer tokens and emails
   * by default, plus `patterns`).
   */
  content?: boolean | ContentLoggingOptions;
  /** Also log these sources' events (the monitor's metrics, alerts and daily summaries). */
  sources?: readonly LogEventSource[];
}

/**
 * A handler that logs every call. `close()` detaches it from its sources and flushes; a logger
 * it created itself (from `destination`) is closed too.
 */
export interface LogHandler extends LedgerHandler {
  readonly logger: LLMLogger;
  close(): Promise<void>;
}

/** Models warned about as unpriced; past this many, further ones are not remembered or warned. */
const MAX_UNPRICED_MODELS = 1000;

/**
 * Logs calls as the standard LLM events: `inference_started` / `stream_started` when a call starts,
 * `inference_completed` / `stream_completed` when it ends, and for failures the most specific of
 * `rate_limited`, `model_timeout`, `context_length_exceeded`, else `inference_failed` /
 * `stream_failed`. One line per call end, whatever its status; `token_count` and
 * `request_cost_calculated` at debug; `unknown_model_pricing` once per model.
 *
 * @example
 * const monitor = new PerformanceMonitor();
 * const logs = createLogHandler({ destination: './logs/llm.jsonl', sources: [monitor] });
 * const ledger = createLedger({ handlers: [logs, monitor] });
 */
export function createLogHandler(options: LogHandlerOptions = {}): LogHandler {
  checkLogHandlerOptions(
    options,
    BUILT_IN_EMOJI_SETS.map((set) => set.domain),
  );
  const ownLogger = options.llmLogger === undefined;
  const { llmLogger, content: _content, sources: _sources, ...loggerOptions } = options;
  const logger = llmLogger ?? new LLMLogger(loggerOptions);
  const log = logger.pino;
  const content = contentRedactor(options.content);
  const unpriced = new Set<string>();
  const detach = (options.sources ?? []).map((source) =>
    source.subscribe((item) => logger.event(item.event, item.fields, item.level)),
  );

  const write = (
    level: LogLevel,
    event: LLMEventName,
    record: CallStart | CallRecord,
    fields: Record<string, unknown>,
  ) => logger.writeEvent(level, event, record.model, record.provider, fields);

  return {
    name: 'LogHandler',
    logger,
    onStart(call: CallStart): void {
      const event = call.requestMode === 'streaming' ? 'stream_started' : 'inference_started';
      const level = LLM_EVENTS[event].level;
      if (log.isLevelEnabled(level)) write(level, event, call, startFields(call, content));
    },
    onEnd(record: CallRecord): void {
      const [event, level] = endEvent(record);
      if (log.isLevelEnabled(level)) write(level, event, record, endFields(record, content));
      const debug = log.isLevelEnabled('debug');
      if (debug && record.tokenSource !== null) write('debug', 'token_count', record, tokenCountFields(record));
      const cost = record.cost;
      if (cost === null) return;
      if (cost.status === 'unpriced') {
        if (unpriced.has(record.model) || unpriced.size >= MAX_UNPRICED_MODELS) return;
        unpriced.add(record.model);
        if (log.isLevelEnabled('warn')) write('warn', 'unknown_model_pricing', record, costEventFields(record));
      } else if (debug) {
        write('debug', 'request_cost_calculated', record, costEventFields(record));
      }
    },
    onEvent(item: LedgerEvent): void {
      const level = eventSpec(item.event).level;
      if (!log.isLevelEnabled(level)) return;
      const fields = item.callId === undefined ? item.fields : { call_id: item.callId, ...item.fields };
      if (item.model !== undefined || item.provider !== undefined) {
        logger.writeEvent(level, item.event, item.model ?? '', item.provider ?? '', fields);
      } else logger.event(item.event, { ...fields }, level);
    },
    async close(): Promise<void> {
      for (const unsubscribe of detach) unsubscribe();
      if (ownLogger) await logger.close();
      else await logger.flush();
    },
  };
}

/**
 * The event and level for a finished call.
 *
 * @example
 * endEvent({ ...record, status: 'error', httpStatus: 429 }); // ['rate_limited', 'warn']
 */
export function endEvent(record: CallRecord): [LLMEventName, LogLevel] {
  const stream = record.streamed;
  if (record.status === 'success' || record.status === 'partial') {
    return stream ? ['stream_completed', 'info'] : ['inference_completed', 'info'];
  }
  switch (failureKind(record)) {
    case 'rate_limited':
      return ['rate_limited', LLM_EVENTS.rate_limited.level];
    case 'timeout':
      return ['model_timeout', LLM_EVENTS.model_timeout.level];
    case 'context_length':
      return ['context_length_exceeded', LLM_EVENTS.context_length_exceeded.level];
    default: {
      const event = stream ? 'stream_failed' : 'inference_failed';
      // A cancellation is usually the caller's choice (a closed page, a stopped stream), not a fault.
      return [event, record.status === 'cancelled' ? 'warn' : LLM_EVENTS[event].level];
    }
  }
}

function contentRedactor(option: LogHandlerOptions['content']): Redactor | undefined {
  if (option === true) return new Redactor();
  if (!option || !option.enabled) return undefined;
  return new Redactor(option);
}
