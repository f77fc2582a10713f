import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './cli-harness.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('CLI flags are strict', () => {
  it('an unknown flag is a usage error (exit 2) that suggests the near flag', async () => {
    const run = await cli(['calls', '--users', 'alice', '--db', 'memory'], dir.path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--users'");
    expect(run.stderr).toContain('(did you mean --user?)');
    const snake = await cli(['report', '--call_type', 'CHAT', '--db', 'memory'], dir.path);
    expect(snake.code).toBe(2);
    expect(snake.stderr).toContain('(did you mean --call-type?)');
  });

  it('an empty or loose date and an empty filter value are usage errors, not dropped filters', async () => {
    for (const args of [
      ['--since', ''],
      ['--since', '1'],
      ['--until', 'May 5'],
      ['--user', ''],
      ['--status', 'ERROR'],
    ]) {
      const run = await cli(['calls', ...args, '--db', 'memory'], dir.path);
      expect(run.code, args.join(' ')).toBe(2);
    }
    expect((await cli(['calls', '--since', '2026-11-01T10:00:00Z', '--db', 'memory'], dir.path)).code).toBe(0);
  });

  it('--user and the other identity filters repeat like --model: any of the values matches', async () => {
    const run = await cli(['calls', '--user', 'alice', '--user', 'bob', '--json', '--db', 'memory'], dir.path);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ records: [], nextCursor: null });
  });

  it('--db with an empty value is a ConfigError (exit 1) instead of opening the default database', async () => {
    const run = await cli(['calls', '--db', ''], dir.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('store');
  });
});
