import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { command as cost } from '../../src/cli/commands/cost.js';
import { command as prices } from '../../src/cli/commands/prices.js';
import type { CliCommand, CliIo } from '../../src/cli/command.js';
import { UsageError } from '../../src/cli/command.js';
import { ConfigError } from '../../src/core/errors.js';

const empty = mkdtempSync(join(tmpdir(), 'llm-ledger-prices-'));
const configured = mkdtempSync(join(tmpdir(), 'llm-ledger-prices-'));
writeFileSync(
  join(configured, 'llm_config.yaml'),
  `models:
  openai/gpt-4o-mini:
    provider: openai
    pricing:
      currency: USD
      input: { cost_per_1k: 0.0001 }
      output: { cost_per_1k: 0.0004 }
pricing:
  deployments:
    prod-chat: openai/gpt-4o
`,
);
afterAll(() => {
  rmSync(empty, { recursive: true, force: true });
  rmSync(configured, { recursive: true, force: true });
});

async function run(command: CliCommand, args: string[], cwd = empty) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {}, cwd };
  const code = await command.run(args, io);
  return { code, stdout, stderr };
}

describe('llm-ledger prices', () => {
  it('shows what matched, why, and the prices per 1M tokens', async () => {
    const { code, stdout } = await run(prices, ['gpt-4o', '--provider', 'azure']);
    expect(code).toBe(0);
    expect(stdout).toContain('matched: exact id "gpt-4o" at openai');
    expect(stdout).toContain('azure, which serves openai models');
    expect(stdout).toMatch(/input\s+cacheRead\s+output/);
    expect(stdout).toMatch(/\*\s+always\s+-\s+-\s+USD\s+2\.5\s+1\.25\s+10/);
    expect(stdout).toContain('pricing version genai-prices@0.1.8+2026-09-23;overrides=none');
  });

  it('shows effective dates and the period in force at --at', async () => {
    const { stdout } = await run(prices, ['o3', '--at', '2025-05-01']);
    expect(stdout).toMatch(/\*\s+always\s+2025-06-10\s+-\s+USD\s+10\s+0\.5\s+40/);
    expect(stdout).toMatch(/\n\s+2025-06-10\s+-\s+-\s+USD\s+2\s+0\.5\s+8/);
  });

  it('names config prices and deployments from llm_config.yaml', async () => {
    const override = await run(prices, ['gpt-4o-mini', '--provider', 'openai'], configured);
    expect(override.stdout).toContain('matched: llm_config.yaml models: "openai/gpt-4o-mini"');
    expect(override.stdout).toContain('outside the dates above, the catalog applies');
    const deployment = await run(prices, ['prod-chat'], configured);
    expect(deployment.stdout).toContain('deployment "prod-chat" -> exact id "gpt-4o" at openai');
  });

  it('an unknown model exits 1 and says its calls are unpriced; control characters are escaped', async () => {
    const { code, stdout } = await run(prices, ['evil\u001b[2Jmodel\u202e']);
    expect(code).toBe(1);
    expect(stdout).toContain('unpriced (cost null, never 0)');
    expect(stdout).toContain('evil\\x1b[2Jmodel\\u202e');
    expect(stdout.includes('\u001b') || stdout.includes('\u202e')).toBe(false);
  });

  it('without a model: the catalog, its version and size', async () => {
    const { code, stdout } = await run(prices, []);
    expect(code).toBe(0);
    expect(stdout).toMatch(/catalog:\s+genai-prices@0\.1\.8\+2026-09-23: 1,\d{3} models from \d+ providers/);
    const json = JSON.parse((await run(prices, ['--json'], configured)).stdout) as { configModels: string[] };
    expect(json.configModels).toEqual(['openai/gpt-4o-mini']);
  });

  it('--json prints the explanation', async () => {
    const { stdout } = await run(prices, ['claude-sonnet-4-5', '--json']);
    const explanation = JSON.parse(stdout) as {
      matches: Array<{ periods: Array<{ prices: Record<string, string> }> }>;
    };
    expect(explanation.matches[0]!.periods[0]!.prices.input).toBe('3; 6 over 200000 input tokens');
  });

  it('rejects a bad date', async () => {
    await expect(run(prices, ['gpt-4o', '--at', 'yesterday'])).rejects.toThrow(UsageError);
  });
});

describe('llm-ledger cost', () => {
  it('prices one call per bucket, exactly', async () => {
    const { code, stdout } = await run(cost, [
      '--model',
      'claude-sonnet-4-20250514',
      '--provider',
      'anthropic',
      '--input',
      '4520',
      '--cache-read',
      '3000',
      '--cache-write',
      '1500',
      '--output',
      '80',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/cacheWrite\s+\$0\.005625/);
    expect(stdout).toMatch(/total\s+\$0\.007785/);
    expect(stdout).toContain('status: priced');
  });

  it('--json, with the notes that explain an estimate', async () => {
    const { stdout } = await run(cost, [
      '--model',
      'gpt-4o',
      '--input',
      '1000',
      '--output',
      '500',
      '--reasoning',
      '100',
      '--service-tier',
      'flex',
      '--json',
    ]);
    const result = JSON.parse(stdout) as { cost: { total: string; status: string }; notes: string[] };
    expect(result.cost).toMatchObject({ total: '0.0075', status: 'estimated' });
    expect(result.notes).toEqual(['no prices for service tier "flex": standard prices applied']);
  });

  it('uses llm_config.yaml prices', async () => {
    const { stdout } = await run(
      cost,
      ['--model', 'gpt-4o-mini', '--provider', 'openai', '--input', '1000000', '--output', '0'],
      configured,
    );
    expect(stdout).toMatch(/total\s+\$0\.100000\b/);
  });

  it('an unknown model exits 1: unpriced, not $0', async () => {
    const { code, stdout } = await run(cost, ['--model', 'mystery', '--input', '10', '--output', '10']);
    expect(code).toBe(1);
    expect(stdout).toContain('total: unpriced (cost null, not 0)');
  });

  it('rejects bad counts and missing options', async () => {
    await expect(run(cost, ['--model', 'gpt-4o', '--input=-5'])).rejects.toThrow(UsageError);
    await expect(run(cost, ['--model', 'gpt-4o', '--input', '-5'])).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_PARSE_ARGS/),
    });
    await expect(run(cost, ['--model', 'gpt-4o', '--input', '1.5'])).rejects.toThrow(UsageError);
    await expect(run(cost, ['--input', '5'])).rejects.toThrow(UsageError);
    await expect(run(cost, ['--model', 'gpt-4o'])).rejects.toThrow(UsageError);
  });

  it('a missing exchange rate in llm_config.yaml is a ConfigError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-prices-'));
    writeFileSync(join(dir, 'llm_config.yaml'), 'settings:\n  usage_logging:\n    base_currency: EUR\n');
    try {
      await expect(run(cost, ['--model', 'gpt-4o', '--input', '5'], dir)).rejects.toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('llm-ledger cost and prices: units and matches', () => {
  it('whisper-1 given tokens prints unpriced (exit 1), never 0; given audio seconds it is priced', async () => {
    const tokens = await run(cost, [
      '--model',
      'whisper-1',
      '--provider',
      'openai',
      '--input',
      '100000',
      '--output',
      '0',
    ]);
    expect(tokens.code).toBe(1);
    expect(tokens.stdout).toContain('total: unpriced (cost null, not 0)');
    expect(tokens.stdout).toContain('not priced (no price for this model): input');
    expect(tokens.stdout).not.toMatch(/total\s+\$?0(\.0+)?\b/);
    const seconds = await run(cost, ['--model', 'whisper-1', '--provider', 'openai', '--audio-seconds', '60']);
    expect(seconds.code).toBe(0);
    expect(seconds.stdout).toMatch(/total\s+\$0\.006/);
    expect(seconds.stdout).toContain('status: priced');
  });

  it('prices NAME shows the exact match a platform spelling leads to, and the units of non-token prices', async () => {
    const azure = await run(prices, ['gpt-35-turbo-1106', '--provider', 'azure']);
    expect(azure.code).toBe(0);
    expect(azure.stdout).toContain('matched: exact id "gpt-3.5-turbo-1106" at openai');
    expect(azure.stdout).not.toContain('a guess');
    const ocr = await run(prices, ['mistral-ocr-2512', '--provider', 'mistral']);
    expect(ocr.stdout).toContain('page: per page');
    const guess = await run(prices, ['mistral-medium-2604', '--provider', 'mistral', '--at', '2026-09-01']);
    expect(guess.stdout).toContain('matched: "mistral-medium-latest" at mistral');
    expect(guess.stdout).toContain('(a guess: costs are marked estimated)');
  });
});
