import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, silentLogger } from '../../src/index.js';
import { cli, tempDir } from './cli-harness.js';

let dir: ReturnType<typeof tempDir>;
let db: string;

beforeEach(() => {
  dir = tempDir();
  db = join(dir.path, 'ledger.db');
});
afterEach(() => dir.remove());

async function seed(): Promise<{ traceId: string; childId: string }> {
  const ledger = createLedger({ store: db, configFile: false, logger: silentLogger });
  let traceId = '';
  let childId = '';
  await ledger.context({ userId: 'alice', tenantId: 'acme' }, async () => {
    await ledger.logCall(
      { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'user', content: 'root question' }] },
      async (root) => {
        traceId = root.traceId;
        root.complete({ tokens: { input: 100, output: 20 }, cost: '0.0003' });
        await ledger.logCall({ provider: 'openai', model: 'gpt-4o-mini', callType: 'RAG_SYNTHESIS' }, async (child) => {
          childId = child.id;
          child.complete({ tokens: { input: 50, output: 10, cacheRead: 20 }, cost: '0.00001' });
        });
      },
    );
  });
  await ledger.context({ userId: 'bob' }, async () => {
    const failed = ledger.start({
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      messages: [{ role: 'user', content: 'evil \u001b[2J text' }],
    });
    failed.fail(Object.assign(new Error('overloaded'), { status: 529 }));
    const unknown = ledger.start({ provider: 'custom', model: 'mystery-model' });
    unknown.complete({
      tokens: { input: 5, output: 5 },
      cost: { total: null, breakdown: {}, currency: 'USD', pricingVersion: null, status: 'unpriced' },
    });
  });
  await ledger.close();
  return { traceId, childId };
}

describe('llm-ledger report', () => {
  it('groups by model with exact costs and counts unpriced calls apart', async () => {
    await seed();
    const run = await cli(['report', '--db', db], dir.path);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const gpt4o = lines.find((line) => line.startsWith('gpt-4o '))!;
    expect(gpt4o).toContain('$0.000300');
    expect(lines.find((line) => line.startsWith('gpt-4o-mini'))).toContain('$0.000010');
    expect(lines.find((line) => line.startsWith('mystery-model'))).toContain('unpriced');
    expect(run.stdout).toContain('4 calls, 1 errors, total cost $0.000310');
    expect(run.stdout).toContain('1 unpriced calls (unknown model)');
  });

  it('prints JSON grouped by user with filters', async () => {
    await seed();
    const run = await cli(['report', '--db', db, '--by', 'user', '--json', '--since', '1d'], dir.path);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      rows: Array<{ group: { user: string }; calls: number; cost: string; tokens: { input: number } }>;
    };
    const alice = parsed.rows.find((row) => row.group.user === 'alice')!;
    expect(alice).toMatchObject({ calls: 2, cost: '0.00031', tokens: { input: 150 } });
    expect(parsed.rows.find((row) => row.group.user === 'bob')?.calls).toBe(2);
  });

  it('a repeated --user or --tenant counts the calls of any of them', async () => {
    await seed();
    const calls = async (args: string[]) => {
      const run = await cli(['report', '--db', db, '--json', ...args], dir.path);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      const rows = (JSON.parse(run.stdout) as { rows: Array<{ calls: number }> }).rows;
      return rows.reduce((sum, row) => sum + row.calls, 0);
    };
    expect(await calls(['--by', 'tenant', '--tenant', 'acme', '--tenant', 'initech'])).toBe(2);
    expect(await calls(['--by', 'user', '--user', 'alice', '--user', 'bob'])).toBe(4);
    expect(await calls(['--by', 'model', '--user', 'alice', '--user', 'nobody'])).toBe(2);
  });

  it('rejects an unknown group key with the usage text and exit code 2', async () => {
    const run = await cli(['report', '--db', db, '--by', 'planet'], dir.path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--by planet is not one of');
  });

  it('says so when nothing matches', async () => {
    await seed();
    const run = await cli(['report', '--db', db, '--user', 'nobody'], dir.path);
    expect(run.stdout).toContain('No calls recorded');
  });
});

describe('llm-ledger calls', () => {
  it('lists with filters and escapes control characters from content', async () => {
    await seed();
    const run = await cli(['calls', '--db', db, '--status', 'error'], dir.path);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('claude-sonnet-4');
    expect(run.stdout).not.toContain('gpt-4o');
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toContain('\\x1b[2J');
  });

  it('pages with a cursor', async () => {
    await seed();
    const first = await cli(['calls', '--db', db, '--limit', '3'], dir.path);
    const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const second = await cli(['calls', '--db', db, '--limit', '3', '--cursor', cursor!, '--json'], dir.path);
    const page = JSON.parse(second.stdout) as { records: unknown[]; nextCursor: string | null };
    expect(page.records).toHaveLength(1);
    expect(page.nextCursor).toBeNull();
  });

  it('rejects a bad status', async () => {
    const run = await cli(['calls', '--db', db, '--status', 'exploded'], dir.path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--status exploded is not one of success, error, partial, cancelled');
  });
});

describe('llm-ledger trace', () => {
  it('shows parent and child calls as a tree', async () => {
    const { traceId, childId } = await seed();
    const run = await cli(['trace', traceId, '--db', db], dir.path);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toContain(`trace ${traceId}: 2 calls, 180 tokens, $0.000310`);
    expect(lines[1]).toMatch(/^└─ CHAT gpt-4o success/);
    expect(lines[2]).toMatch(/^ {3}└─ RAG_SYNTHESIS gpt-4o-mini success/);
    expect(lines[2]).toContain(childId);
  });

  it('exits 1 for an unknown trace', async () => {
    await seed();
    const run = await cli(['trace', 'no-such-trace', '--db', db], dir.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No calls recorded for trace no-such-trace');
  });
});

describe('llm-ledger', () => {
  it('prints help and rejects unknown commands', async () => {
    const help = await cli(['--help'], dir.path);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/demo\s+record a realistic set of calls/);
    const unknown = await cli(['frobnicate'], dir.path);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('reads the database from LLM_LEDGER_DB', async () => {
    await seed();
    const run = await cli(['report', '--json'], dir.path, { LLM_LEDGER_DB: db });
    expect((JSON.parse(run.stdout) as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
  });

  it('reports a broken config file as a configuration error naming the key', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir.path, 'llm_config.yaml'), 'settings:\n  usage_logging:\n    fail_open: sometimes\n');
    const run = await cli(['report', '--db', db], dir.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('settings.usage_logging.fail_open');
  });
});
