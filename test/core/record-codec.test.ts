import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/core/record.js';
import { toSafeJson } from '../../src/core/sanitize.js';
import { RecordDecoder, RecordEncoder } from '../../src/core/record-codec.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { makeRecord } from '../support/records.js';

/*
 * The SQLite write worker receives records as RecordEncoder bytes in a shared buffer. These tests
 * decode what was encoded and require the very same record back, for the values a record can
 * hold; then they write awkward records through the worker and through the main thread and
 * require the same rows.
 */

/** Encodes `records` into buffers of `bufferBytes` (chunk after chunk, as the client does) and decodes them. */
function roundTrip(records: readonly CallRecord[], bufferBytes = 1024 * 1024): CallRecord[] {
  const encoder = new RecordEncoder(new SharedArrayBuffer(bufferBytes));
  const decoder = new RecordDecoder();
  const decoded: CallRecord[] = [];
  let index = 0;
  while (index < records.length) {
    encoder.reset();
    const first = index;
    while (index < records.length) {
      if (encoder.write(records[index]!)) index++;
      else if (index === first) encoder.grow();
      else break;
    }
    decoded.push(...decoder.read(encoder.shared, encoder.length, index - first));
  }
  return decoded;
}

const LONE_SURROGATES = ['\ud800', 'a\udfffb', 'end\ud83d', '\ude00start', '\udc00\ud800'];

describe('RecordEncoder and RecordDecoder', () => {
  it('give back realistic records unchanged', () => {
    const records = Array.from({ length: 200 }, (_, index) =>
      makeRecord({
        userId: `user-${index}`,
        tags: ['prod', `shard-${index % 7}`],
        metadata: { feature: 'support-chat', attempt: index, flags: { beta: index % 2 === 0 } },
        cost: {
          total: '0.0001',
          breakdown: { input: '0.00004', output: '0.00006' },
          currency: 'USD',
          pricingVersion: 'v1',
          status: 'priced',
        },
      }),
    );
    expect(roundTrip(records)).toStrictEqual(records);
  });

  it('keep every Unicode string exact: emoji, CJK, combining marks, and lone surrogates in values and keys', () => {
    const texts = ['héllo', '日本語のテキスト', '👩‍👩‍👧 family', 'e\u0301', '\u0000\u001b[2J', ...LONE_SURROGATES];
    const record = makeRecord({
      systemPrompt: texts.join(' | '),
      messages: texts.map((content) => ({ role: 'user', content })),
      metadata: Object.fromEntries(texts.map((text, index) => [text, index])),
      errorMessage: '\ud800'.repeat(100),
      tags: LONE_SURROGATES,
    });
    const [decoded] = roundTrip([record]);
    expect(decoded).toStrictEqual(record);
    // Exact code units, not U+FFFD: UTF-8 would have replaced the lone surrogates.
    expect(decoded!.tags).toEqual(LONE_SURROGATES);
    expect(decoded!.errorMessage!.charCodeAt(99)).toBe(0xd800);
  });

  it('keep huge strings, growing the buffer past its first size', () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const mixed = 'ü\ud800'.repeat(300_000);
    const records = [
      makeRecord(),
      makeRecord({ systemPrompt: huge, messages: [{ role: 'user', content: mixed }] }),
      makeRecord(),
    ];
    expect(roundTrip(records, 64 * 1024)).toStrictEqual(records);
  });

  it('keep nulls, undefined apart from absent fields, -0, NaN, infinities, holes and deep nesting', () => {
    let deep: Record<string, unknown> = { leaf: [1, null, 'two'] };
    for (let level = 0; level < 40; level++) deep = { level, child: deep };
    const list: unknown[] = [undefined, null];
    list[3] = 3; // index 2 is a hole
    const record = makeRecord({
      metadata: { nothing: null, missing: undefined, deep, list },
      params: {
        temperature: -0,
        topP: Number.NaN,
        seed: Number.POSITIVE_INFINITY,
        maxTokens: Number.NEGATIVE_INFINITY,
      },
      toolChoice: undefined,
      latencyMs: -0,
      ttftMs: Number.NaN,
      costSaved: undefined,
    });
    delete (record as Partial<CallRecord>).problems;
    const [decoded] = roundTrip([record]);
    expect(decoded).toStrictEqual(record);
    expect('toolChoice' in decoded!).toBe(true);
    expect('costSaved' in decoded!).toBe(true);
    expect('problems' in decoded!).toBe(false);
    expect(Object.is(decoded!.latencyMs, -0)).toBe(true);
    expect(1 in (decoded!.metadata.list as unknown[])).toBe(true);
    expect(2 in (decoded!.metadata.list as unknown[])).toBe(false);
  });

  it('keep `__proto__` as an own key and objects without a prototype', () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2 });
    const [decoded] = roundTrip([makeRecord({ metadata: { inner: metadata, bare } })]);
    const inner = decoded!.metadata.inner as Record<string, unknown>;
    expect(Object.keys(inner)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(decoded!.metadata)).toBe(JSON.stringify({ inner: metadata, bare }));
  });

  it('send values that are not plain data as their JSON form, which is what the store keeps', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const metadata = {
      when: new Date('2025-01-02T03:04:05.000Z'),
      map: new Map([['k', 1]]),
      big: 12345678901234567890n,
      fn: () => 1,
      cycle,
    };
    const record = makeRecord({
      metadata: metadata as Record<string, unknown>,
      messages: [{ role: 'user', content: 'plain' }],
    });
    const [decoded] = roundTrip([record]);
    expect(toSafeJson(decoded!.metadata)).toBe(toSafeJson(metadata));
    expect(decoded!.metadata.when).toBe('2025-01-02T03:04:05.000Z');
    // The other fields are untouched.
    expect(decoded!.messages).toStrictEqual(record.messages);
  });

  it('keep the key table in step when a record does not fit and is sent in the next chunk', () => {
    // Each record brings keys never seen before; small buffers force many records to be rewound.
    const records = Array.from({ length: 300 }, (_, index) =>
      makeRecord({ metadata: { [`key-${index}`]: index, [`other-${index % 17}`]: 'x'.repeat(index % 50) } }),
    );
    expect(roundTrip(records, 4 * 1024)).toStrictEqual(records);
  });

  it('keep working past the key table size, sending further keys inline', () => {
    const metadata = Object.fromEntries(Array.from({ length: 6_000 }, (_, index) => [`k${index}`, index]));
    const records = [makeRecord({ metadata }), makeRecord({ metadata: { k5999: 'again', fresh: true } })];
    expect(roundTrip(records)).toStrictEqual(records);
  });
});

describe('SqliteStore with its write worker', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llm-ledger-codec-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('stores awkward records exactly as the main-thread writer does', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.again = cycle;
    const records = [
      makeRecord({ systemPrompt: `lone ${LONE_SURROGATES.join('')} and 🎉`, tags: ['\ud800tag'] }),
      makeRecord({
        metadata: { nested: { deeper: [1, { x: null }] }, when: new Date(0), cycle } as Record<string, unknown>,
      }),
      makeRecord({ messages: [{ role: 'user', content: 'y'.repeat(2 * 1024 * 1024) }], errorMessage: 'ü'.repeat(10) }),
      makeRecord({ ttftMs: Number.NaN, httpStatus: null, params: { temperature: -0 } }),
    ];
    const inWorker = new SqliteStore({ path: join(directory, 'worker.db') });
    const onMain = new SqliteStore({ path: join(directory, 'main.db'), writeThread: 'main' });
    await inWorker.write(records);
    await onMain.write(records);
    for (const record of records) {
      const stored = await inWorker.get(record.id);
      expect(stored).not.toBeNull();
      expect(stored).toStrictEqual(await onMain.get(record.id));
    }
    await inWorker.close();
    await onMain.close();
  });
});
