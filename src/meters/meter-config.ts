import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { CreateMeterOptions } from './create-meter.js';

/**
 * The `settings.meter` section of `llm_config.yaml`:
 *
 * ```yaml
 * settings:
 *   meter:
 *     backend: redis://127.0.0.1:6379/0   # or memory, or sqlite (the ledger's database file)
 *     key_prefix: "llm-ledger:"
 *     dimensions: [user, tenant]
 *     periods: [day, cycle]
 *     fail_open: true
 *     reservation_ttl_ms: 900000
 *     retention_days: 35
 * ```
 */
export const meterSettingsSchema = z
  .object({
    backend: z.string().min(1).optional(),
    key_prefix: z.string().min(1).optional(),
    dimensions: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/)).optional(),
    periods: z.array(z.string().regex(/^(day|month|cycle|cycle:\d{4}-\d{2}-\d{2})$/)).optional(),
    fail_open: z.boolean().optional(),
    reservation_ttl_ms: z.number().int().positive().optional(),
    retention_days: z.number().positive().optional(),
    idempotency_ttl_ms: z.number().int().positive().optional(),
    operation_timeout_ms: z.number().int().positive().optional(),
  })
  .strict();

export type MeterSettingsConfig = z.infer<typeof meterSettingsSchema>;

/**
 * Validates `settings.meter` and converts it to `createMeter` options. `backend: sqlite` means the
 * ledger's own database file, which the caller passes as `ledgerDatabase`.
 *
 * @example
 * const options = meterOptionsFromConfig(loaded.file.settings?.meter, loaded.path ?? 'llm_config.yaml', dbPath);
 */
export function meterOptionsFromConfig(
  section: unknown,
  source = 'llm_config.yaml',
  ledgerDatabase?: string,
): CreateMeterOptions {
  if (section === undefined || section === null) return {};
  const parsed = meterSettingsSchema.safeParse(section);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['settings', 'meter', ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
    throw new ConfigError({ source, path: path.join('.'), expected: issue.message, cause: parsed.error });
  }
  const config = parsed.data;
  const options: CreateMeterOptions = {};
  if (config.backend !== undefined) {
    options.backend = config.backend === 'sqlite' && ledgerDatabase ? `sqlite:${ledgerDatabase}` : config.backend;
  }
  if (config.key_prefix !== undefined) options.keyPrefix = config.key_prefix;
  if (config.dimensions !== undefined) options.dimensions = config.dimensions;
  if (config.periods !== undefined) options.periods = config.periods as CreateMeterOptions['periods'];
  if (config.fail_open !== undefined) options.failOpen = config.fail_open;
  if (config.reservation_ttl_ms !== undefined) options.reservationTtlMs = config.reservation_ttl_ms;
  if (config.retention_days !== undefined) options.retentionMs = Math.round(config.retention_days * 86_400_000);
  if (config.idempotency_ttl_ms !== undefined) options.idempotencyTtlMs = config.idempotency_ttl_ms;
  if (config.operation_timeout_ms !== undefined) options.operationTimeoutMs = config.operation_timeout_ms;
  return options;
}
