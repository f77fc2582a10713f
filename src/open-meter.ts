import { join, resolve } from 'node:path';
import type { Spool } from './core/spool.js';
import { openProcessSpool } from './delivery/process-spool.js';
import type { Pricer } from './core/call.js';
import type { LedgerLogger } from './core/logger.js';
import type { CreateLedgerOptions, ResolvedLedgerConfig } from './ledger-options.js';
import { createMeter } from './meters/create-meter.js';
import type { CostCalculator } from './meters/limits/call-estimate.js';
import { limitsFromConfig } from './meters/limits/limits-config.js';
import type { Meter } from './meters/meter.js';
import { meterOptionsFromConfig } from './meters/meter-config.js';
import { meterLocationFromEnv } from './meters/redis/open-redis.js';
import { sqlitePathOf } from './open-store.js';

/** Where a ledger's Redis meter keeps settlements while Redis is down: one directory per process under it. */
const DEFAULT_METER_SPOOL_DIRECTORY = '.llm-ledger/meter-spool';

function processMeterSpool(base: string, logger: LedgerLogger): Spool | undefined {
  try {
    return openProcessSpool(base);
  } catch (error) {
    logger.warn(
      { error, directory: base },
      `llm-ledger meter: no spool for settlements under ${base} (${(error as Error)?.message ?? error}); ` +
        'settlements made while the meter backend is down are kept in memory only',
    );
    return undefined;
  }
}

/** The meter the options, environment and config file ask for, or undefined for none. */
export function openMeter(
  options: CreateLedgerOptions,
  resolved: ResolvedLedgerConfig,
  logger: LedgerLogger,
  pricer: Pricer | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): Meter | undefined {
  if (options.meter === false) return undefined;
  if (typeof options.meter === 'object' && options.meter !== null) return options.meter;
  const source = resolved.config.path ?? 'llm_config.yaml';
  const limits = limitsFromConfig(resolved.config.file.limits, source);
  const ledgerDatabase = sqlitePathOf(resolved.storeLocation, cwd);
  const fromConfig = meterOptionsFromConfig(resolved.config.file.settings?.meter, source, ledgerDatabase);
  const hasLimits = limits.budgets.length > 0 || limits.rates.length > 0;
  let location: string | undefined = options.meter ?? meterLocationFromEnv(env);
  if (location === undefined && fromConfig.backend === undefined) {
    if (!hasLimits) return undefined;
    location = ledgerDatabase ? 'sqlite' : 'memory';
  }
  const backend =
    location === undefined
      ? fromConfig.backend
      : location === 'sqlite' && ledgerDatabase
        ? `sqlite:${ledgerDatabase}`
        : location;
  // A network backend can go away: its settlements then wait on disk, in a spool of this process's
  // own (inside a named ledger spool directory, or one per process under .llm-ledger/meter-spool).
  const spool =
    options.spool !== false && typeof backend === 'string' && /^rediss?:\/\//i.test(backend)
      ? options.spool
        ? join(options.spool, 'meter')
        : processMeterSpool(resolve(cwd, DEFAULT_METER_SPOOL_DIRECTORY), logger)
      : undefined;
  return createMeter({
    ...fromConfig,
    backend,
    spool,
    env,
    cwd,
    logger,
    clock: options.clock,
    cycleStartDate: limits.cycleStartDate,
    limits,
    currency: resolved.settings.baseCurrency,
    failOpen: fromConfig.failOpen ?? resolved.settings.failOpen,
    estimate: {
      pricer: pricer && 'calculate' in pricer ? (pricer as unknown as CostCalculator) : undefined,
      defaultMaxOutputTokens: limits.defaultMaxOutputTokens,
      modelMaxOutputTokens: limits.modelMaxOutputTokens,
    },
  });
}
