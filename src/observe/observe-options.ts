import { z } from 'zod';
import { checkOptions, checkOptionsObject, environmentLike, withMethods } from '../config/options-schema.js';
import { ConfigError } from '../core/errors.js';
import { unknownKeyMessage } from '../core/key-suggestions.js';

/**
 * The option contracts of the observability entry points. A misspelt option, an emoji set that
 * does not exist (`'lmm'` turned emoji off) or a Prometheus label that is not one (`'userid'`)
 * is a ConfigError naming it, with the known names.
 */

const stream = withMethods('write');

const LOGGER_SHAPES = {
  logger: [withMethods('child', 'info'), 'a pino logger'],
  destination: [z.union([z.string().min(1), stream]), 'a file path or a writable stream'],
  level: [
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    'trace, debug, info, warn, error, fatal or silent',
  ],
  format: [z.enum(['json', 'pretty']), 'json or pretty'],
  emojiSets: [z.array(z.string()), 'a list of built-in emoji set names'],
  customEmojiSets: [z.array(withMethods('getEmoji')), 'a list of EmojiSet objects (domain, getEmoji)'],
  env: [environmentLike, 'an object of environment variables (strings)'],
} as const;

const LOG_HANDLER_SHAPES = {
  ...LOGGER_SHAPES,
  llmLogger: [withMethods('event'), 'an LLMLogger'],
  content: [
    z.union([
      z.boolean(),
      z
        .object({
          enabled: z.boolean(),
          patterns: z.array(z.unknown()).optional(),
          defaults: z.boolean().optional(),
          maxChars: z.number().int().positive().optional(),
        })
        .strict(),
    ]),
    'true, false or { enabled, patterns?, defaults?, maxChars? }',
  ],
  sources: [
    z.array(withMethods('subscribe')),
    'a list of event sources (objects with subscribe(), such as ledger.monitor)',
  ],
} as const;

export function checkLlmLoggerOptions(options: unknown, builtInSets: readonly string[]): void {
  const source = 'createLLMLogger() options';
  const checked = checkOptionsObject(options, source);
  checkOptions(checked, LOGGER_SHAPES, source);
  checkEmojiSets(checked.emojiSets, builtInSets, source);
}

export function checkLogHandlerOptions(options: unknown, builtInSets: readonly string[]): void {
  const source = 'createLogHandler() options';
  const checked = checkOptionsObject(options, source);
  checkOptions(checked, LOG_HANDLER_SHAPES, source);
  checkEmojiSets(checked.emojiSets, builtInSets, source);
}

function checkEmojiSets(names: unknown, builtInSets: readonly string[], source: string): void {
  for (const name of (names as string[] | undefined) ?? []) {
    if (!builtInSets.includes(name)) {
      throw new ConfigError({
        source,
        path: 'emojiSets',
        expected: `no ${unknownKeyMessage(name, builtInSets, 'emoji set')}`,
      });
    }
  }
}

/** `createPrometheusMetrics(options)`: `labels` must be names from OPTIONAL_LABELS. */
export function checkPrometheusOptions(options: unknown, optionalLabels: readonly string[]): void {
  const source = 'createPrometheusMetrics() options';
  const checked = checkOptionsObject(options, source);
  checkOptions(
    checked,
    {
      registry: [withMethods('registerMetric', 'metrics'), 'a prom-client Registry'],
      labels: [z.array(z.string()), `a list of label names: ${optionalLabels.join(', ')}`],
      maxLabelSets: [z.number().int().min(1), 'a positive integer'],
      stats: [z.custom((value) => typeof value === 'function'), 'a function returning ledger.stats()'],
    },
    source,
  );
  for (const label of (checked.labels as string[] | undefined) ?? []) {
    if (!optionalLabels.includes(label)) {
      throw new ConfigError({
        source,
        path: 'labels',
        expected: `no ${unknownKeyMessage(label, optionalLabels, 'label')}`,
      });
    }
  }
}

const nullableCount = z.union([z.number().finite().nonnegative(), z.null()]);
const nullableAmount = z.union([z.string().regex(/^\d+(?:\.\d+)?$/), z.null()]);

/** `createLedger({ monitor })` and `new PerformanceMonitor(options)`. */
export function checkMonitorOptions(options: unknown): void {
  const source = 'PerformanceMonitor options';
  checkOptions(
    checkOptionsObject(options, source),
    {
      windowSize: [z.number().int().min(1), 'a positive integer'],
      minSamples: [z.number().int().min(1), 'a positive integer'],
      metricsEvery: [z.number().int().min(0), 'a non-negative integer (0: never)'],
      thresholds: [
        z
          .object({
            averageLatencyMs: nullableCount.optional(),
            errorRatePercent: nullableCount.optional(),
            callCost: nullableAmount.optional(),
            dailyUserCost: nullableAmount.optional(),
          })
          .strict(),
        '{ averageLatencyMs, errorRatePercent (numbers or null), callCost, dailyUserCost (decimal strings such as "1.00" or null) }',
      ],
      currency: [z.string().regex(/^[A-Z]{3}$/), 'a three-letter ISO currency code such as USD'],
      clock: [withMethods('now'), 'an object with now()'],
      maxModels: [z.number().int().min(1), 'a positive integer'],
      maxUsers: [z.number().int().min(1), 'a positive integer'],
    },
    source,
  );
}
