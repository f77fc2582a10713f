import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/core/ledger.js';
import { loadVirtualKeys } from '../../src/proxy/index.js';
import { chatCompletion, generate, message } from '../support/wire-server/index.js';
import { onlyRecord, records, testLedger } from '../capture/capture-harness.js';
import { rawRequest, useProxyTestBed } from '../support/proxy.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bed = useProxyTestBed();
const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
const AUTH = ['authorization', 'Bearer sk-test-client-key-123'] as const;

/** `text` as the bytes of its UTF-8 encoding, one character per byte: what rawRequest sends as is. */
function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

describe('attribution headers the proxy cannot read exactly', () => {
  const cases: Array<[string, Array<[string, string]>, string]> = [
    [
      'a user sent twice',
      [
        ['x-ledger-user', 'alice'],
        ['X-Ledger-User', 'bob'],
      ],
      'x-ledger-user is sent more than once',
    ],
    [
      'a metadata key sent twice',
      [
        ['x-ledger-metadata-team', 'a'],
        ['x-ledger-metadata-team', 'b'],
      ],
      'x-ledger-metadata-team is sent more than once',
    ],
    ['an empty tenant', [['x-ledger-tenant', '']], 'x-ledger-tenant is empty'],
    [
      'a session longer than an id',
      [['x-ledger-session', 's'.repeat(1001)]],
      'x-ledger-session is longer than 1000 characters',
    ],
    [
      'a tag longer than an id',
      [['x-ledger-tags', `ok, ${'t'.repeat(1001)}`]],
      'a tag in x-ledger-tags is longer than 1000',
    ],
    ['tags naming no tag', [['x-ledger-tags', ' , ,']], 'x-ledger-tags names no tag'],
    ['bytes that are not UTF-8', [['x-ledger-user', 'j\u00f6rg']], 'x-ledger-user is not UTF-8 text'],
    ['a misspelt header', [['x-ledger-usr', 'alice']], 'unknown header x-ledger-usr (did you mean x-ledger-user?)'],
    ['metadata without a key', [['x-ledger-metadata', 'v']], 'x-ledger-metadata names no metadata key'],
    ['a cache setting other than on or off', [['x-ledger-cache', 'yes']], 'x-ledger-cache must be on or off'],
  ];

  for (const failOpen of [true, false]) {
    it.each(cases)(
      `refuses %s with a 400 naming it, nothing forwarded or recorded (fail-${failOpen ? 'open' : 'closed'})`,
      async (_name, headers, problem) => {
        const ledger = testLedger({ failOpen });
        const proxy = await bed.start(ledger);
        bed.server.setDefault('openai.chat', chatCompletion());
        const answer = await rawRequest(`${proxy.url}/openai/v1/chat/completions`, [AUTH, ...headers], chatBody);
        expect(answer.status).toBe(400);
        expect(answer.headers['x-ledger-proxy-error']).toBe('invalid_request');
        expect(JSON.parse(answer.text)).toMatchObject({
          error: { type: 'invalid_request_error', message: expect.stringContaining(problem) },
        });
        expect(bed.server.requests).toHaveLength(0);
        expect(await records(ledger)).toHaveLength(0);
        // The proxy goes on serving.
        const ok = await rawRequest(`${proxy.url}/openai/v1/chat/completions`, [AUTH], chatBody);
        expect(ok.status).toBe(200);
      },
    );
  }

  it('answers the refusal in the shape of the API it was sent to', async () => {
    const ledger = testLedger();
    const proxy = await bed.start(ledger);
    const headers: Array<[string, string]> = [
      ['x-api-key', 'sk-ant-test'],
      ['x-ledger-user', 'a'],
      ['x-ledger-user', 'b'],
    ];
    const anthropic = await rawRequest(`${proxy.url}/anthropic/v1/messages`, headers, '{}');
    expect(anthropic.status).toBe(400);
    expect(JSON.parse(anthropic.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const gemini = await rawRequest(
      `${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent`,
      [
        ['x-goog-api-key', 'AIza-test'],
        ['x-ledger-cache', 'maybe'],
      ],
      '{}',
    );
    expect(gemini.status).toBe(400);
    expect(JSON.parse(gemini.text)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    expect(bed.server.requests).toHaveLength(0);
    // Unused replies of the wire server: set so that a forwarded request would have been answered.
    bed.server.setDefault('anthropic.messages', message());
    bed.server.setDefault('gemini.generate', generate());
  });
});

describe('attribution read exactly', () => {
  let ledger: Ledger;

  it('records UTF-8 values as sent, repeated tag headers as one list, any metadata key, and ignores two trace contexts', async () => {
    // Through SQLite: what is stored reads back the same.
    ledger = testLedger({ store: join(mkdtempSync(join(tmpdir(), 'proxy-attribution-')), 'ledger.db') });
    const proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    const answer = await rawRequest(
      `${proxy.url}/openai/v1/chat/completions`,
      [
        AUTH,
        ['x-ledger-user', utf8Bytes('李雷')],
        ['x-ledger-tenant', utf8Bytes('Jörg GmbH')],
        ['x-ledger-tags', 'batch, nightly'],
        ['x-ledger-tags', utf8Bytes('rétro')],
        ['x-ledger-metadata-feature', utf8Bytes('recherche 🔎')],
        ['x-ledger-metadata-__proto__', 'kept'],
        ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
        ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
      ],
      chatBody,
    );
    expect(answer.status).toBe(200);
    const record = await onlyRecord(ledger);
    expect(record).toMatchObject({
      userId: '李雷',
      tenantId: 'Jörg GmbH',
      tags: ['batch', 'nightly', 'rétro'],
      metadata: { feature: 'recherche 🔎' },
    });
    // A key like any other, not the prototype's setter.
    expect(Object.hasOwn(record.metadata, '__proto__') && record.metadata['__proto__']).toBe('kept');
    // Neither trace context is the parent: the call starts a trace of its own.
    expect(record.parentId).toBeNull();
    expect(record.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(record.traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(Object.keys(bed.server.requests[0]!.headers).filter((name) => name.startsWith('x-ledger'))).toEqual([]);
  });

  it("refuses a request `user` too long to record as the call's user, and reads an empty one as no user", async () => {
    ledger = testLedger();
    const proxy = await bed.start(ledger);
    bed.server.setDefault('openai.chat', chatCompletion());
    const url = `${proxy.url}/openai/v1/chat/completions`;
    const long = JSON.stringify({ ...JSON.parse(chatBody), user: 'u'.repeat(1001) });
    const refused = await rawRequest(url, [AUTH], long);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error.message).toContain('"user" names the call\'s user');
    expect(bed.server.requests).toHaveLength(0);
    // A header naming the user makes the field the provider's business alone.
    expect((await rawRequest(url, [AUTH, ['x-ledger-user', 'u-1']], long)).status).toBe(200);
    expect((await rawRequest(url, [AUTH], JSON.stringify({ ...JSON.parse(chatBody), user: '' }))).status).toBe(200);
    const [named, unnamed] = await records(ledger);
    expect(named!.userId).toBe('u-1');
    expect(unnamed!.userId).toBeNull();
    expect(unnamed!.problems ?? []).toEqual([]);
  });
});

describe('a virtual key and the headers', () => {
  it('refuses a header naming another user or tenant than the key bills, and takes one naming the same', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'proxy-keys-'));
    const file = join(directory, 'keys.yaml');
    writeFileSync(
      file,
      [
        'keys:',
        '  - key: lk-team-a-0001',
        '    name: team-a',
        '    user: alice',
        '    tenant: team-a',
        '    upstreams:',
        '      openai: sk-proj-UPSTREAMSECRETupstreamsecret0001',
        '',
      ].join('\n'),
    );
    const ledger = testLedger();
    const proxy = await bed.start(ledger, { virtualKeys: loadVirtualKeys(file) });
    bed.server.setDefault('openai.chat', chatCompletion());
    const url = `${proxy.url}/openai/v1/chat/completions`;
    const key = ['authorization', 'Bearer lk-team-a-0001'] as const;
    for (const header of [
      ['x-ledger-user', 'mallory'],
      ['x-ledger-tenant', 'team-b'],
    ] as const) {
      const refused = await rawRequest(url, [key, header], chatBody);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text).error.message).toMatch(
        /names another (user|tenant) than virtual key team-a bills/,
      );
    }
    expect(bed.server.requests).toHaveLength(0);
    expect(
      (await rawRequest(url, [key, ['x-ledger-user', 'alice'], ['x-ledger-session', 's-1']], chatBody)).status,
    ).toBe(200);
    expect(await onlyRecord(ledger)).toMatchObject({ userId: 'alice', tenantId: 'team-a', sessionId: 's-1' });
  });
});
