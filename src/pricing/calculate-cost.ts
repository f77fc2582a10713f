import type { CallCost } from '../core/record.js';
import { createPricer, type CostInput, type LedgerPricer } from './create-pricer.js';

let defaultPricer: LedgerPricer | undefined;

/**
 * The cost of one call from the bundled catalog in US dollars, or with `pricer`'s catalog,
 * overrides and base currency. Exact decimal strings; `total` is null for an unknown model.
 *
 * @example
 * calculateCost({ model: 'claude-sonnet-4-20250514', provider: 'anthropic',
 *   tokens: { input: 12_000, cacheRead: 10_000, output: 500 } });
 * // { total: '0.0165', breakdown: { input: '0.006', cacheRead: '0.003', output: '0.0075' }, status: 'priced', ... }
 */
export function calculateCost(input: CostInput, pricer?: LedgerPricer): CallCost {
  return (pricer ?? (defaultPricer ??= createPricer())).calculate(input);
}
