import { z } from 'zod';

/**
 * `llm_config.yaml`, in seed 000's format. Unknown keys are rejected so that a typo
 * (`fail_opne`) is an error at load, not a silently ignored setting.
 */
const pricePart = z
  .object({
    cost_per_1k: z.union([z.number().nonnegative(), z.string()]).optional(),
    cost_per_1m: z.union([z.number().nonnegative(), z.string()]).optional(),
  })
  .strict();

export const modelEntrySchema = z
  .object({
    provider: z.string().min(1).optional(),
    pricing: z
      .object({
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, 'a three-letter ISO currency code such as USD')
          .default('USD'),
        input: pricePart.optional(),
        output: pricePart.optional(),
        cache_read: pricePart.optional(),
        cache_write: pricePart.optional(),
        reasoning: pricePart.optional(),
        effective_from: z.string().optional(),
        effective_to: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const usageLoggingSchema = z
  .object({
    enabled: z.boolean().optional(),
    base_currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'a three-letter ISO currency code such as USD')
      .optional(),
    fail_open: z.boolean().optional(),
    default_rounding_decimals: z.number().int().min(0).max(30).optional(),
  })
  .strict();

/** Our own settings, beside seed 000's `usage_logging`. */
export const ledgerSettingsSchema = z
  .object({
    store: z.string().min(1).optional(),
    max_field_chars: z.number().int().positive().optional(),
    handler_timeout_ms: z.number().int().positive().optional(),
    batch_size: z.number().int().positive().optional(),
    flush_interval_ms: z.number().int().positive().optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    models: z.record(z.string(), modelEntrySchema).optional(),
    settings: z
      .object({
        usage_logging: usageLoggingSchema.optional(),
        ledger: ledgerSettingsSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
