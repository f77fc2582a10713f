import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { BudgetInput, RateLimitInput } from './limit-types.js';

const amount = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\s*\d*\.?\d+(?:[eE][+-]?\d+)?\s*$/, 'a non-negative decimal number such as "25.00"'),
]);
const subject = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*:.+$/, 'a subject such as user:u-42 or user:*');
const period = z.string().regex(/^(day|month|cycle|cycle:\d{4}-\d{2}-\d{2})$/, 'day, month, cycle or cycle:YYYY-MM-DD');

/** One entry of `limits.budgets`. */
export const budgetConfigSchema = z
  .object({
    subject,
    period: period.optional(),
    max_cost: amount.optional(),
    max_tokens: z.number().int().nonnegative().optional(),
    max_requests: z.number().int().nonnegative().optional(),
    mode: z.enum(['hard', 'soft']).optional(),
  })
  .strict()
  .refine(
    (entry) => entry.max_cost !== undefined || entry.max_tokens !== undefined || entry.max_requests !== undefined,
    'at least one of max_cost, max_tokens, max_requests',
  );

/** One entry of `limits.rate_limits`. */
export const rateLimitConfigSchema = z
  .object({
    subject,
    requests_per_minute: z.number().positive().optional(),
    tokens_per_minute: z.number().positive().optional(),
  })
  .strict()
  .refine(
    (entry) => entry.requests_per_minute !== undefined || entry.tokens_per_minute !== undefined,
    'requests_per_minute or tokens_per_minute',
  );

/**
 * The `limits:` section of `llm_config.yaml`:
 *
 * ```yaml
 * limits:
 *   cycle_start_date: 2024-01-15      # billing cycles restart on the 15th (default: the 1st)
 *   default_max_output_tokens: 4096   # output assumed when a call sets no max_tokens
 *   model_max_output_tokens: { gpt-4o: 16384 }   # stricter: the model's own maximum, per model
 *   budgets:
 *     - { subject: "user:*", period: cycle, max_cost: "25.00", mode: hard }
 *     - { subject: "tenant:acme", period: day, max_tokens: 2000000, mode: soft }
 *   rate_limits:
 *     - { subject: "user:*", requests_per_minute: 60, tokens_per_minute: 100000 }
 * ```
 */
export const limitsConfigSchema = z
  .object({
    cycle_start_date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2024-01-15')
      .optional(),
    default_max_output_tokens: z.number().int().nonnegative().optional(),
    model_max_output_tokens: z.record(z.string().min(1), z.number().int().nonnegative()).optional(),
    budgets: z.array(budgetConfigSchema).optional(),
    rate_limits: z.array(rateLimitConfigSchema).optional(),
  })
  .strict();

export type LimitsConfig = z.infer<typeof limitsConfigSchema>;

export interface LimitsFromConfig {
  cycleStartDate?: string;
  defaultMaxOutputTokens?: number;
  /** Output reserved per model when a call sets no max_tokens, instead of the default. */
  modelMaxOutputTokens?: Record<string, number>;
  budgets: BudgetInput[];
  rates: RateLimitInput[];
}

/**
 * Validates a `limits:` section and converts it to meter options. Throws ConfigError naming the
 * source and the key path (`limits.budgets.0.max_cost`).
 *
 * @example
 * const limits = limitsFromConfig(loaded.file.limits, loaded.path ?? 'llm_config.yaml');
 * const meter = createMeter({ cycleStartDate: limits.cycleStartDate, limits });
 */
export function limitsFromConfig(section: unknown, source = 'llm_config.yaml'): LimitsFromConfig {
  if (section === undefined || section === null) return { budgets: [], rates: [] };
  const parsed = limitsConfigSchema.safeParse(section);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['limits', ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
    throw new ConfigError({ source, path: path.join('.'), expected: issue.message, cause: parsed.error });
  }
  const config = parsed.data;
  return {
    cycleStartDate: config.cycle_start_date,
    defaultMaxOutputTokens: config.default_max_output_tokens,
    modelMaxOutputTokens: config.model_max_output_tokens,
    budgets: (config.budgets ?? []).map((entry) => ({
      subject: entry.subject,
      period: (entry.period ?? 'cycle') as BudgetInput['period'],
      maxCost: entry.max_cost,
      maxTokens: entry.max_tokens,
      maxRequests: entry.max_requests,
      mode: entry.mode ?? 'hard',
    })),
    rates: (config.rate_limits ?? []).map((entry) => ({
      subject: entry.subject,
      requestsPerMinute: entry.requests_per_minute,
      tokensPerMinute: entry.tokens_per_minute,
    })),
  };
}
