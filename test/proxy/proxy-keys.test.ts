import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/core/ledger.js';
import { loadVirtualKeys, type ProxyServer } from '../../src/proxy/index.js';
import { chatCompletion, chatStream, generate, message } from '../support/wire-server/index.js';
import { onlyRecord, testLedger } from '../capture/capture-harness.js';
import { proxiedClients, rawPost, useProxyTestBed } from '../support/proxy.js';

let ledger: Ledger;
let proxy: ProxyServer;
const bed = useProxyTestBed();
const directory = mkdtempSync(join(tmpdir(), 'proxy-keys-'));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

const KEY_FILE = `keys:
  - key: lk-team-a-0001
    name: team-a
    user: alice
    tenant: team-a
    tags: [via-key]
    requests_per_minute: 3
    upstreams:
      openai: sk-proj-UPSTREAMSECRETupstreamsecret0001
      anthropic: sk-ant-api03-UPSTREAMSECRETupstreamsecret0002
      gemini: AIzaUPSTREAMSECRETupstreamsecret0003
  - key: lk-team-b-0002
    user: bob
    upstreams:
      openai: sk-proj-UPSTREAMSECRETupstreamsecret0004
`;

function keyFile(): string {
  const path = join(directory, `keys-${Math.random()}.yaml`);
  writeFileSync(path, KEY_FILE);
  return path;
}

describe('virtual keys', () => {
  it('swaps a virtual key for the upstream secret in the header each provider reads, attributing the call', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger, { virtualKeys: loadVirtualKeys(keyFile()) });
    bed.server.setDefault('openai.chat', chatCompletion());
    bed.server.setDefault('anthropic.messages', message());
    bed.server.setDefault('gemini.generate', generate());
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };
    const ok = await rawPost(`${proxy.url}/openai/v1/chat/completions`, request, {
      authorization: 'Bearer lk-team-a-0001',
    });
    expect(ok.status).toBe(200);
    expect(bed.server.requests[0]!.headers.authorization).toBe('Bearer sk-proj-UPSTREAMSECRETupstreamsecret0001');
    expect(await onlyRecord(ledger)).toMatchObject({
      userId: 'alice',
      tenantId: 'team-a',
      tags: ['via-key'],
      metadata: { virtualKey: 'team-a' },
    });
    await rawPost(
      `${proxy.url}/anthropic/v1/messages`,
      { model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] },
      { authorization: '', 'x-api-key': 'lk-team-a-0001' },
    );
    expect(bed.server.requests[1]!.headers['x-api-key']).toBe('sk-ant-api03-UPSTREAMSECRETupstreamsecret0002');
    expect(bed.server.requests[1]!.headers.authorization).toBeUndefined();
    // Gemini's ?key= is taken out of the URL and the secret sent as a header.
    await rawPost(
      `${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=lk-team-a-0001`,
      { contents: [{ parts: [{ text: 'Hi' }] }] },
      { authorization: '' },
    );
    expect(bed.server.requests).toHaveLength(3);
    expect(bed.server.requests[2]!.headers['x-goog-api-key']).toBe('AIzaUPSTREAMSECRETupstreamsecret0003');
    expect(bed.server.requests[2]!.query.get('key')).toBeNull();
  });

  it('refuses unknown keys, provider keys, upstreams the key has no secret for, and requests over its limit', async () => {
    ledger = testLedger();
    proxy = await bed.start(ledger, { virtualKeys: loadVirtualKeys(keyFile()) });
    bed.server.setDefault('openai.chat', chatCompletion());
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };
    const unknown = await rawPost(`${proxy.url}/openai/v1/chat/completions`, request, {
      authorization: 'Bearer sk-proj-realproviderkey',
    });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.bytes.toString()).error.code).toBe('invalid_api_key');
    const noSecret = await rawPost(
      `${proxy.url}/anthropic/v1/messages`,
      { model: 'claude-sonnet-4-6', max_tokens: 5, messages: [] },
      { authorization: '', 'x-api-key': 'lk-team-b-0002' },
    );
    expect(noSecret.status).toBe(401);
    expect(JSON.parse(noSecret.bytes.toString()).error.type).toBe('authentication_error');
    const headers = { authorization: 'Bearer lk-team-a-0001' };
    for (let sent = 0; sent < 3; sent++) {
      expect((await rawPost(`${proxy.url}/openai/v1/chat/completions`, request, headers)).status).toBe(200);
    }
    const over = await rawPost(`${proxy.url}/openai/v1/chat/completions`, request, headers);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(bed.server.requests).toHaveLength(3);
  });

  it('names the field of a bad key file without echoing any secret', () => {
    const path = join(directory, 'bad.yaml');
    writeFileSync(path, 'keys:\n  - key: lk-short\n    upstreams: { openai: sk-proj-SECRETVALUE }\n    rpm: 3\n');
    expect(() => loadVirtualKeys(path)).toThrow(ConfigError);
    try {
      loadVirtualKeys(path);
    } catch (error) {
      expect((error as Error).message).toContain('keys.0');
      expect((error as Error).message).not.toContain('SECRETVALUE');
    }
  });
});

describe('provider keys never stored', () => {
  it('keeps client and upstream keys out of the database, the logs and the exports', async () => {
    const database = join(directory, `ledger-${Math.random()}.db`);
    const logged: string[] = [];
    const capture = (_object: unknown, text: string) => void logged.push(`${JSON.stringify(_object)} ${text}`);
    ledger = testLedger({
      store: `sqlite:${database}`,
      logger: { debug: capture, info: capture, warn: capture, error: capture },
    });
    proxy = await bed.start(ledger, { virtualKeys: loadVirtualKeys(keyFile()), allowProviderKeys: true });
    bed.server.script(
      'openai.chat',
      chatCompletion(),
      // The provider echoes the rejected key, as OpenAI does.
      {
        kind: 'json',
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided: sk-test-client-key-123. Find your key at platform.openai.com',
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
      },
      chatStream({ content: ['x'] }),
    );
    const { openai } = proxiedClients(proxy);
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await expect(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    ).rejects.toThrow();
    await rawPost(
      `${proxy.url}/openai/v1/chat/completions`,
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] },
      { authorization: 'Bearer lk-team-a-0001' },
    );
    await ledger.flush();
    const { records } = await ledger.calls.list();
    expect(records).toHaveLength(3);
    const exported = JSON.stringify(records);
    await ledger.close();
    const stored = readdirSync(directory)
      .filter((file) => file.startsWith(database.split('/').pop()!))
      .map((file) => readFileSync(join(directory, file)).toString('latin1'))
      .join('');
    for (const secret of ['sk-test-client-key-123', 'UPSTREAMSECRET', 'lk-team-a-0001']) {
      expect(stored).not.toContain(secret);
      expect(exported).not.toContain(secret);
      expect(logged.join('\n')).not.toContain(secret);
    }
    expect(records.find((record) => record.status === 'error')!.errorMessage).toContain('[REDACTED');
  });
});
