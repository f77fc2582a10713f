import { readEnv } from '../../config/env-vars.js';
import { BoundedMap } from '../../core/bounded-map.js';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { EmojiResolver, type EmojiSet } from './emoji-set.js';
import { eventSpec, type LLMEventSpec, type LogLevel } from './llm-events.js';
import { BUILT_IN_EMOJI_SETS } from './llm-emoji-set.js';
import { checkLlmLoggerOptions } from '../observe-options.js';

const BUILT_IN_SET_NAMES = BUILT_IN_EMOJI_SETS.map((set) => set.domain);
import { createPrettyDestination } from './pretty-destination.js';

export type LogFormat = 'json' | 'pretty';

export interface LLMLoggerOptions {
  /**
   * The application's pino logger; its level, destination, bindings and serializers are kept
   * (a `{ domain: 'llm' }` child is made). Without it a logger is created from the options below.
   */
  logger?: Logger;
  /** Where lines go when no `logger` is given: a file path or a stream. Default stdout. */
  destination?: string | DestinationStream;
  /** Default: the `LOG_LEVEL` variable, else `info`. */
  level?: LevelWithSilent;
  /** `json` (the `emoji` is a field) or `pretty` (the emoji is a prefix). Default: `LOG_FORMAT`, else `json`. */
  format?: LogFormat;
  /** Built-in emoji sets to use (like Python's `enabled_emoji_sets`). Default `['llm']`; `[]` for none. */
  emojiSets?: readonly string[];
  /** Sets consulted before the built-in ones; they override, or extend by returning undefined. */
  customEmojiSets?: readonly EmojiSet[];
  /** Environment for `LOG_LEVEL` and `LOG_FORMAT`. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Fields of one line; a function is only called when the event's level is enabled. */
export type EventFields = Record<string, unknown> | (() => Record<string, unknown>);

/**
 * An LLM logger (like Python's `get_logger("llm")`): structured events with an emoji, written through pino.
 * A disabled level costs one comparison: fields are built, and emoji looked up, only for lines
 * that are written.
 *
 * @example
 * const log = createLLMLogger({ format: 'pretty', level: 'debug' });
 * log.event('model_loaded', { model: 'llama-3-8b', version: 'q4' }); // 🤖 ... INFO  model_loaded model=llama-3-8b ...
 * log.event('cache_hit', () => ({ model: 'gpt-4o', cache_key: key.slice(0, 16) }));
 */
export class LLMLogger {
  readonly pino: Logger;
  readonly format: LogFormat;
  private readonly emoji: EmojiResolver;
  /** The file destination this logger opened, closed by `close()`. */
  private file: ReturnType<typeof pino.destination> | undefined;
  /** Child loggers bound to `{ event, emoji, model, provider }`, by those values. */
  private readonly bound = new BoundedMap<string, Logger>({ maxEntries: MAX_BOUND_LOGGERS });

  constructor(options: LLMLoggerOptions = {}) {
    checkLlmLoggerOptions(options, BUILT_IN_SET_NAMES);
    const env = options.env ?? process.env;
    // A bad LOG_FORMAT or LOG_LEVEL is a ConfigError naming it, even when an option overrides it.
    const envFormat = readEnv(env, 'LOG_FORMAT');
    const envLevel = readEnv(env, 'LOG_LEVEL');
    this.format = options.format ?? envFormat ?? 'json';
    const level = options.level ?? envLevel ?? 'info';
    if (options.logger) {
      this.pino = options.logger.child({ domain: 'llm' });
      if (options.level) this.pino.level = options.level;
    } else {
      this.pino = pino({ name: 'llm', level }, this.destination(options.destination));
    }
    this.emoji = new EmojiResolver(
      'llm',
      BUILT_IN_EMOJI_SETS,
      options.emojiSets ?? ['llm'],
      options.customEmojiSets ?? [],
    );
  }

  /** Whether a line for this event would be written at the current level. */
  enabled(event: string): boolean {
    return this.pino.isLevelEnabled(eventSpec(event).level);
  }

  /** Logs one event at its standard level (unknown events: info). */
  event(event: string, fields?: EventFields, level?: LogLevel): void {
    const spec = eventSpec(event);
    const at = level ?? spec.level;
    if (!this.pino.isLevelEnabled(at)) return;
    const body = typeof fields === 'function' ? fields() : (fields ?? {});
    const emoji = this.emojiFor(spec, event, body.model, body.provider);
    this.pino[at](emoji === undefined ? { event, ...body } : { event, emoji, ...body }, event);
  }

  /** The emoji for an event, or undefined when no enabled set maps it. */
  emojiFor(spec: LLMEventSpec, event: string, model?: unknown, provider?: unknown): string | undefined {
    if (this.emoji.empty) return undefined;
    return this.emoji.resolve(spec.action, spec.status, {
      event,
      model: typeof model === 'string' ? model : null,
      provider: typeof provider === 'string' ? provider : null,
    });
  }

  /**
   * Writes one event line for a model, for handlers that checked the level themselves. The
   * constant part (`event`, `emoji`, `model`, `provider`) goes into a cached child logger, whose
   * bindings pino serializes once, so each line only serializes `fields`.
   */
  writeEvent(level: LogLevel, event: string, model: string, provider: string, fields: Record<string, unknown>): void {
    const key = `${event}\u0000${model}\u0000${provider}`;
    let child = this.bound.get(key);
    if (child === undefined) {
      // Bounded: model names come from callers.
      const emoji = this.emojiFor(eventSpec(event), event, model, provider);
      child = this.pino.child(emoji === undefined ? { event, model, provider } : { event, emoji, model, provider });
      this.bound.set(key, child);
    }
    // The child has no level of its own: pino children inherit the parent's, later changes included.
    child[level](fields, event);
  }

  /** Resolves once buffered lines have been written (for destinations that buffer). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.pino.flush(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** Flushes, then closes the file this logger opened itself (a given logger or stream is left open). */
  async close(): Promise<void> {
    await this.flush();
    const file = this.file;
    if (!file) return;
    this.file = undefined;
    await new Promise<void>((resolve) => {
      file.once('close', () => resolve());
      file.once('error', () => resolve());
      file.end();
    });
  }

  private destination(target: string | DestinationStream | undefined): DestinationStream {
    let base: DestinationStream;
    if (typeof target === 'string') {
      // One synchronous write per line. sonic-boom's asynchronous mode measured several times
      // slower per line (it recomputes the byte length of its whole pending buffer on every
      // write while a write is in flight), and a synchronous line is never lost on a crash.
      // Pass your own `destination` or `logger` for other trade-offs.
      this.file = pino.destination({ dest: target, mkdir: true, sync: true });
      base = this.file;
    } else base = target ?? pino.destination({ dest: 1, sync: true });
    return this.format === 'pretty' ? createPrettyDestination(base) : base;
  }
}

/**
 * Creates an LLMLogger.
 *
 * @example
 * const log = createLLMLogger({ destination: './logs/llm.jsonl', level: 'info' });
 */
export function createLLMLogger(options: LLMLoggerOptions = {}): LLMLogger {
  return new LLMLogger(options);
}

const MAX_BOUND_LOGGERS = 1024;
