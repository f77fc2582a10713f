import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { command as exportCommand } from '../../src/cli/commands/export.js';
import { createLedger } from '../../src/create-ledger.js';
import { logLine, silentLogger } from '../../src/core/logger.js';
import { redactSecrets } from '../../src/core/secret-redaction.js';
import { Redactor } from '../../src/observe/shared/redaction.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { makeRecord } from '../support/records.js';
import { dropSchema, PG_URL, postgresAvailable, uniqueSchema } from '../stores/postgres-support.js';

const available = await postgresAvailable();
const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-secrets-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  if (available) for (const schema of schemas) await dropSchema(schema);
});

// Fake keys in the exact shape (prefix, length, alphabet) each provider issues.
const alnum = (length: number, seed = 7) =>
  Array.from({ length }, (_unused, index) => 'aB3dE5fG7hJ9kLmN0pQrStUvWxYz12468'[(index * seed) % 33]).join('');
const SECRETS: Record<string, string> = {
  'OpenAI legacy': `sk-${alnum(48)}`,
  'OpenAI project': `sk-proj-${alnum(74)}_${alnum(40, 5)}-${alnum(20, 11)}`,
  'OpenAI service account': `sk-svcacct-${alnum(64)}`,
  Anthropic: `sk-ant-api03-${alnum(93)}AA`,
  'Anthropic admin': `sk-ant-admin01-${alnum(93)}AA`,
  Google: `AIza${alnum(33)}_-`,
  'AWS access key id': 'AKIAIOSFODNN7EXAMPLE',
  'AWS temporary key id': 'ASIAY34FZKBOKMUTVV7A',
  'GitHub classic': `ghp_${alnum(36)}`,
  'GitHub fine-grained': `github_pat_11${alnum(20)}_${alnum(59, 5)}`,
  Groq: `gsk_${alnum(52)}`,
  xAI: `xai-${alnum(80)}`,
  'Hugging Face': `hf_${alnum(34)}`,
};
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

/** Provider error messages that echo a credential, and the secret each must lose. */
function leakingMessages(): Array<[string, string]> {
  const messages: Array<[string, string]> = Object.entries(SECRETS).map(([name, key]) => [
    `401 Incorrect API key provided: ${key}. You can find your API key at https://example.test/keys (${name}).`,
    key,
  ]);
  messages.push(
    [`request failed: Authorization: Bearer ${BEARER}`, BEARER],
    ['upstream said {"authorization":"Basic dXNlcjpzM2NyM3Q="}', 'dXNlcjpzM2NyM3Q='],
    ['403 with header x-api-key: my-internal-secret-123', 'my-internal-secret-123'],
    ['GET https://example.test/v1/models?key=plain-secret-value&alt=json failed', 'plain-secret-value'],
    ['GET https://api.example.test/v2/chat?api_key=another_secret_42 failed', 'another_secret_42'],
    ['connect postgres://ledger:hunter2pass@db.internal:5432/ledger refused', 'hunter2pass'],
  );
  return messages;
}

describe('secret redaction', () => {
  it('hides every major provider key format, bearer tokens, auth headers and URL keys; keeps the rest', () => {
    for (const [message, secret] of leakingMessages()) {
      const redacted = redactSecrets(message);
      expect(redacted, message).not.toContain(secret);
      expect(redacted).toMatch(/\[REDACTED(_API_KEY)?\]/);
    }
    expect(redactSecrets(`401 Incorrect API key provided: ${SECRETS.Anthropic}.`)).toBe(
      '401 Incorrect API key provided: [REDACTED_API_KEY].',
    );
    expect(redactSecrets('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [REDACTED]');
    // Ordinary text is left alone.
    const plain = 'Rate limit reached for gpt-4o in organization org-123 on tokens per min; task-runner sk-ipped';
    expect(redactSecrets(plain)).toBe(plain);
  });

  it('content redaction applies the same secret rules (and emails on top)', () => {
    const redactor = new Redactor();
    for (const [message, secret] of leakingMessages()) expect(redactor.text(message)).not.toContain(secret);
    expect(redactor.text('mail ada@example.com')).toBe('mail [REDACTED_EMAIL]');
  });

  it('the stderr log line is redacted too', () => {
    for (const [message, secret] of leakingMessages()) {
      expect(logLine('error', 'store failed', { error: new Error(message) })).not.toContain(secret);
      expect(logLine('warn', message, {})).not.toContain(secret);
    }
  });

  it('export redacts error messages stored before redaction existed', async () => {
    const path = join(directory, 'old.db');
    const store = new SqliteStore({ path });
    const [message, secret] = leakingMessages()[0]!;
    await store.write([makeRecord({ status: 'error', errorType: 'AuthenticationError', errorMessage: message })]);
    await store.close();
    let out = '';
    const code = await exportCommand.run(['--db', path], {
      stdout: (text) => void (out += text),
      stderr: () => undefined,
      env: {},
      cwd: directory,
    });
    expect(code).toBe(0);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED_API_KEY]');
  });
});

async function failAndReadBack(store: string): Promise<string[]> {
  const ledger = createLedger({ store, cwd: directory, logger: silentLogger, pricer: false, shutdownHooks: false });
  const ids: string[] = [];
  for (const [message] of leakingMessages()) {
    const call = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages: [] });
    ids.push(call.id);
    call.fail(Object.assign(new Error(message), { status: 401 }));
  }
  // A caller-given errorMessage is redacted the same way.
  const given = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages: [] });
  ids.push(given.id);
  given.fail(new Error('x'), { errorMessage: `bad key ${SECRETS.Groq}` });
  await ledger.flush();
  const stored: string[] = [];
  for (const id of ids) stored.push((await ledger.calls.get(id))!.errorMessage!);
  await ledger.close();
  return stored;
}

function expectRedacted(stored: string[]): void {
  const messages = leakingMessages();
  for (const [index, [, secret]] of messages.entries()) {
    expect(stored[index]).not.toContain(secret);
    expect(stored[index]).toMatch(/\[REDACTED/);
  }
  expect(stored[messages.length]).toBe('bad key [REDACTED_API_KEY]');
}

describe('error messages are redacted before they are stored', () => {
  it('SQLite', async () => {
    expectRedacted(await failAndReadBack(join(directory, 'errors.db')));
  });

  it.skipIf(!available)('PostgreSQL', async () => {
    const schema = uniqueSchema('secrets');
    schemas.push(schema);
    expectRedacted(await failAndReadBack(`${PG_URL}?schema=${schema}`));
  });
});
