import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/create-ledger.js';
import { silentLogger } from '../../src/core/logger.js';
import { chatCompletion } from '../support/wire-server/index.js';
import { startWireServer, type WireServer } from '../capture/capture-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// The repository root, where `--import tsx` resolves.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let server: WireServer;
const directory = mkdtempSync(join(tmpdir(), 'proxy-command-'));

beforeAll(async () => {
  server = await startWireServer();
});
afterAll(async () => {
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('llm-ledger proxy', () => {
  it('serves the configured upstreams, records into --db and stores the last records on SIGTERM', async () => {
    const database = join(directory, 'ledger.db');
    const config = join(directory, 'llm_config.yaml');
    writeFileSync(config, `proxy:\n  upstreams:\n    anthropic: ${server.url}/v1\n    local: ${server.url}/v1\n`);
    server.setDefault('openai.chat', chatCompletion({ content: 'from the wire' }));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        'proxy',
        '--port',
        '0',
        '--db',
        database,
        '--config',
        config,
        '--upstream',
        `openai=${server.url}/v1`,
      ],
      { cwd: ROOT, env: { ...process.env, LLM_LEDGER_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 20_000;
    // The banner is several writes: wait for the upstream lines too, not only the first one.
    const upstreamLine = `/u/local/v1 -> ${server.url}/v1`;
    while (!/listening on (http:\S+)/.test(output) || !output.includes(upstreamLine)) {
      if (Date.now() > deadline) throw new Error(`proxy did not start: ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /listening on (http:\S+)/.exec(output)![1]!;
    expect(output).toContain(upstreamLine);
    const openai = new OpenAI({ apiKey: 'sk-cli-test', baseURL: `${url}/openai/v1`, maxRetries: 0 });
    const answer = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-ledger-user': 'cli-user' } },
    );
    expect(answer.choices[0]!.message.content).toBe('from the wire');
    const local = await fetch(`${url}/u/local/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3', messages: [] }),
    });
    expect(local.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const ledger = createLedger({ store: database, configFile: false, env: {}, logger: silentLogger });
    const { records } = await ledger.calls.list({ order: 'asc' });
    await ledger.close();
    expect(records.map((record) => [record.provider, record.model, record.userId])).toEqual([
      ['openai', 'gpt-4o-mini', 'cli-user'],
      ['local', 'llama3', null],
    ]);
  }, 60_000);

  it('refuses a malformed --upstream with usage help', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'proxy', '--upstream', 'nourl'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(errors).toContain('expected NAME=URL');
  }, 30_000);
});
