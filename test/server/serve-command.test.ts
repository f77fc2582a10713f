import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { cli, tempDir } from '../cli/cli-harness.js';
import { makeRecord } from '../support/records.js';

const MAIN = resolve('src/cli/main.ts');
const TOKEN = 'serve-test-token-0123456789';
const ADMIN_TOKEN = 'serve-admin-token-0123456789';
const temp = tempDir();
afterAll(() => temp.remove());

describe('llm-ledger serve', () => {
  it('refuses to start off loopback without a token', async () => {
    const run = await cli(['serve', '--host', '0.0.0.0', '--port', '0', '--db', join(temp.path, 'x.db')], temp.path);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/0\.0\.0\.0 without a token/);
    expect(run.stderr).toContain('--token');
  });

  it('refuses short tokens and malformed tenant tokens without printing them', async () => {
    const short = await cli(['serve', '--token', 'abc123'], temp.path);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('shorter than 16');
    expect(short.stderr).not.toContain('abc123');
    const malformed = await cli(['serve', '--tenant-token', 'no-equals-sign-secret-value'], temp.path);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('TENANT=TOKEN');
    expect(malformed.stderr).not.toContain('no-equals-sign-secret-value');
    const badPort = await cli(['serve', '--port', 'http'], temp.path);
    expect(badPort.code).toBe(2);
  });

  it('serves the ledger, prints its URL, never the token, and shuts down cleanly on SIGTERM', async () => {
    const db = join(temp.path, 'ledger.db');
    const store = new SqliteStore({ path: db });
    const record = makeRecord({ tenantId: 'acme' });
    await store.write([record, makeRecord({ tenantId: 'globex' })]);
    await store.close();

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        'serve',
        '--db',
        db,
        '--port',
        '0',
        '--host',
        '0.0.0.0',
        '--tenant-token',
        `acme=${TOKEN}`,
        '--token',
        ADMIN_TOKEN,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LLM_LEDGER_TOKEN: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      for (let i = 0; i < 1200 && !/serving/.test(stdout); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /at (http:\/\/\S+)/.exec(stdout)?.[1];
      expect(url, stdout + stderr).toBeDefined();
      const port = new URL(url!).port;
      const unauthorized = await fetch(`http://127.0.0.1:${port}/api/v1/calls`);
      expect(unauthorized.status).toBe(401);
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/calls`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { records: Array<{ id: string }> };
      expect(body.records.map((r) => r.id)).toEqual([record.id]);
      // The ledger's Prometheus metrics: every tenant's, so the admin token only.
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const text = await metrics.text();
      expect(metrics.status, text).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(text).toMatch(/^# TYPE llm_ledger_queue_depth gauge$/m);
      expect(text).toMatch(/^llm_ledger_queue_depth 0$/m);
      const scoped = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(scoped.status).toBe(403);
      // An open live tail must not keep the process from exiting.
      const tail = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(tail.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('shutting down');
      expect(stdout + stderr).not.toContain(TOKEN);
      expect(stdout + stderr).not.toContain(ADMIN_TOKEN);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
