import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PriceRule } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { createPricer } from '../../src/pricing/create-pricer.js';
import { cli, tempDir } from '../cli/cli-harness.js';

/** The claude-sonnet-4 1M-context beta tier the data lacks: above 200k input every token costs more. */
const longContext = {
  model: 'anthropic/claude-sonnet-4-0',
  over_input_tokens: 200_000,
  effective_from: '2025-08-12',
  effective_to: '2026-04-30',
  prices: {
    input: { cost_per_1m: '6' },
    output: { cost_per_1m: '22.5' },
    cache_read: { cost_per_1m: '0.6' },
    cache_write: { cost_per_1m: '7.5' },
    cache_write_1h: { cost_per_1m: '12' },
  },
  note: '1M-context beta',
} satisfies PriceRule;

const pricerWith = (...rules: PriceRule[]) => createPricer({ pricing: { rules } });

describe('pricing.rules on top of the catalog', () => {
  it('adds a long-context tier within its dates, and only above its input size', () => {
    const pricer = pricerWith(longContext);
    const bundled = createPricer();
    const big = { input: 300_000, output: 10_000 };
    const at = '2025-09-01T00:00:00.000Z';
    // 300k at $6 + 10k at $22.5 per 1M, against $3 / $15 without the rule.
    expect(pricer.calculate({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', tokens: big, at }).total).toBe(
      '2.025',
    );
    expect(bundled.calculate({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', tokens: big, at }).total).toBe(
      '1.05',
    );
    const small = { input: 100_000, output: 10_000 };
    expect(pricer.calculate({ provider: 'anthropic', model: 'claude-sonnet-4', tokens: small, at }).total).toBe('0.45');
    // Outside the rule's dates the catalog's prices apply.
    expect(
      pricer.calculate({ provider: 'anthropic', model: 'claude-sonnet-4', tokens: big, at: '2026-05-01' }).total,
    ).toBe('1.05');
    const version = pricer.calculate({
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      tokens: big,
      at,
    }).pricingVersion;
    expect(version).toMatch(/;model=anthropic\/claude-sonnet-4-0;period=2025-08-12\.\.2026-04-30;user=[0-9a-f]{8}$/);
    // Other models keep their version: the rule is not about them.
    expect(pricer.calculate({ provider: 'openai', model: 'gpt-4o', tokens: small }).pricingVersion).toBe(
      bundled.calculate({ provider: 'openai', model: 'gpt-4o', tokens: small }).pricingVersion,
    );
    // The data as loaded is unchanged: a newer data file is compared with it, not with the rules.
    expect(pricer.catalog).toBe(bundled.catalog);
  });

  it('prices a service tier the data lacks', () => {
    const pricer = pricerWith({ model: 'openai/gpt-4o', service_tier: 'batch', multiplier: '0.5' });
    const tokens = { input: 1_000_000, output: 1_000_000 };
    const standard = pricer.calculate({ provider: 'openai', model: 'gpt-4o', tokens });
    const batch = pricer.calculate({ provider: 'openai', model: 'gpt-4o', tokens, serviceTier: 'batch' });
    expect(standard.total).toBe('12.5');
    expect(batch).toMatchObject({ total: '6.25', status: 'priced' });
    // Without the rule the tier is unknown: standard prices, marked estimated.
    expect(
      createPricer().calculate({ provider: 'openai', model: 'gpt-4o', tokens, serviceTier: 'batch' }),
    ).toMatchObject({
      total: '12.5',
      status: 'estimated',
    });
  });

  it('prices a regional endpoint with a premium, as a model of its own', () => {
    const name = 'eu.anthropic.claude-sonnet-4-20250514-v1:0';
    const pricer = pricerWith({ model: 'anthropic/claude-sonnet-4-0', names: [name], multiplier: '1.1' });
    const tokens = { input: 1_000_000, output: 100_000 };
    expect(pricer.calculate({ model: name, tokens }).total).toBe('4.95');
    expect(pricer.calculate({ provider: 'anthropic', model: 'claude-sonnet-4', tokens }).total).toBe('4.5');
  });

  it('rejects a rule about a model that is not there, or two ways of pricing at once', () => {
    expect(() => pricerWith({ ...longContext, model: 'anthropic/claude-sonnet-99' })).toThrow(ConfigError);
    expect(() => pricerWith({ ...longContext, model: 'anthropic/claude-sonnet-99' })).toThrow(
      /pricing\.rules\.0\.model/,
    );
    expect(() => pricerWith({ model: 'openai/gpt-4o', multiplier: '2', prices: {} } as PriceRule)).toThrow(
      /exactly one of multiplier or prices/,
    );
  });

  it('shows in llm-ledger prices NAME, read from llm_config.yaml', async () => {
    const dir = tempDir();
    try {
      const config = join(dir.path, 'llm_config.yaml');
      writeFileSync(
        config,
        `pricing:
  rules:
    - model: anthropic/claude-sonnet-4-0
      over_input_tokens: 200000
      effective_from: 2025-08-12
      effective_to: 2026-04-30
      prices:
        input: { cost_per_1m: 6 }
        output: { cost_per_1m: 22.5 }
      note: 1M-context beta
`,
      );
      const run = await cli(
        ['prices', 'claude-sonnet-4', '--provider', 'anthropic', '--config', config, '--at', '2025-09-01'],
        dir.path,
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\*\s+2025-08-12\s+2026-04-30/);
      expect(run.stdout).toContain('6 over 200000 input tokens');
      expect(run.stdout).toContain(
        'llm_config.yaml rule: own prices, input over 200000 tokens, 2025-08-12..2026-04-30, 1M-context beta',
      );
      const cost = await cli(
        [
          'cost',
          '--config',
          config,
          '--provider',
          'anthropic',
          '--model',
          'claude-sonnet-4',
          '--input',
          '300000',
          '--output',
          '10000',
          '--at',
          '2025-09-01',
          '--json',
        ],
        dir.path,
      );
      expect(JSON.parse(cost.stdout).cost.total).toBe('2.025');
    } finally {
      dir.remove();
    }
  });
});
