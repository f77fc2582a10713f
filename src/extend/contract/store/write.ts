import type { Store } from '../../../core/store.js';
import { makeCost, makeRecord } from '../records.js';
import { richRecord } from './data.js';
import { ids, idsInOrder } from './expectations.js';
import type { ContractTestApi } from '../test-api.js';

/** write and get: exact round trips, idempotent replays, content as data. */
export function describeWriteContract(t: ContractTestApi, current: () => Store): void {
  const { beforeEach, describe, expect, it } = t;
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('write and get', () => {
    it('round-trips a rich record exactly', async () => {
      const record = richRecord();
      await store.write([record]);
      expect(await store.get(record.id)).toStrictEqual(record);
    });

    it('round-trips the non-token usage buckets and the buckets a cost could not price', async () => {
      const record = makeRecord({
        tokens: {
          input: 1_000,
          output: 100,
          total: 1_100,
          cacheRead: 500,
          cacheWrite: 0,
          reasoning: 0,
          inputAudio: 600,
          cacheAudioRead: 300,
          audioSeconds: 90,
          inputAudioSeconds: 60,
          pages: 12,
          annotatedPages: 4,
          webSearches: 2,
        },
        cost: makeCost('0.0122', {
          breakdown: { input: '0.0008', output: '0.0016' },
          status: 'estimated',
          unpricedBuckets: ['webSearches', 'pages'],
          pricedAs: 'mistral/mistral-medium-latest',
        }),
      });
      await store.write([record]);
      expect(await store.get(record.id)).toStrictEqual(record);
    });

    it('round-trips the problems listed on a record, and their absence', async () => {
      const touched = makeRecord({
        problems: ['tokens: input is negative (-5); recorded as 0', 'system_prompt: unknown key "system_prompt"'],
      });
      const clean = makeRecord();
      await store.write([touched, clean]);
      expect(await store.get(touched.id)).toStrictEqual(touched);
      expect(await store.get(clean.id)).toStrictEqual(clean);
      expect((await store.get(clean.id))?.problems).toBeUndefined();
    });

    it('a malformed stored cost does not fail the summary of the whole store', async () => {
      // PostgreSQL's NUMERIC column refuses such a row at write; the other stores must survive it.
      if (store.kind === 'postgres') return;
      const odd = makeRecord({ cost: makeCost('0.5', { total: 'abc' }) });
      const good = makeRecord({ cost: makeCost('0.25') });
      await store.write([odd, good]);
      const [row] = await store.summary({});
      expect(row?.calls).toBe(2);
    });

    it('keeps null and empty values apart', async () => {
      const empty = makeRecord({
        tools: [],
        toolChoice: 'none',
        tags: [],
        metadata: {},
        params: {},
        messages: [],
        systemPrompt: '',
        responseMessage: { role: 'assistant', content: '' },
        cost: makeCost('0', { breakdown: {} }),
      });
      const nulls = makeRecord({
        tools: null,
        toolChoice: null,
        systemPrompt: null,
        responseMessage: null,
        responseModel: null,
        finishReason: null,
        tokenSource: null,
        cost: null,
        tokens: { input: 0, output: 0, total: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
        metadata: { nothing: null, list: [], object: {} },
      });
      await store.write([empty, nulls]);
      expect(await store.get(empty.id)).toStrictEqual(empty);
      expect(await store.get(nulls.id)).toStrictEqual(nulls);
    });

    it('round-trips a 2 MB message', async () => {
      const part = (seed: string) => seed.repeat(Math.ceil(500_000 / seed.length)).slice(0, 500_000);
      const content = [
        { type: 'text', text: part('plain ascii text, line after line.\n') },
        { type: 'text', text: part('漢字とかなの文章。😀 emoji 👩‍👩‍👧 and ünïcödé; ') },
        { type: 'text', text: part('<script>alert("x")</script> \'; DROP TABLE llm_request_logs; -- ') },
        { type: 'text', text: part('\u0000\u0001\u001f\t\r\n\u2028\u2029 control ') },
      ];
      const record = makeRecord({ messages: [{ role: 'user', content }] });
      expect(JSON.stringify(record.messages).length).toBeGreaterThan(2_000_000);
      await store.write([record]);
      expect(await store.get(record.id)).toStrictEqual(record);
    });

    it('returns null for an unknown id', async () => {
      await store.write([makeRecord()]);
      expect(await store.get('00000000-0000-7000-8000-000000000000')).toBeNull();
      expect(await store.get("' OR 1=1 --")).toBeNull();
    });

    it('accepts an empty batch', async () => {
      await store.write([]);
      expect((await store.list({})).records).toEqual([]);
    });

    it('is idempotent: a replayed record is neither duplicated nor overwritten', async () => {
      const first = makeRecord({ model: 'first' });
      const other = makeRecord();
      await store.write([first, other]);
      await store.write([first, { ...first, model: 'replayed' }, other]);
      await store.write([{ ...first, model: 'again' }]);
      const page = await store.list({});
      expect(page.records.map((record) => record.id)).toEqual(idsInOrder([first, other]));
      expect((await store.get(first.id))?.model).toBe('first');
    });

    it('keeps the first of two records with the same id in one batch', async () => {
      const record = makeRecord({ model: 'kept' });
      await store.write([record, { ...record, model: 'dropped' }]);
      expect(await store.get(record.id)).toStrictEqual(record);
      expect((await store.list({})).records).toHaveLength(1);
    });

    it('treats SQL-looking content as data', async () => {
      const hostile = "'); DELETE FROM llm_request_logs; --";
      const record = makeRecord({
        userId: hostile,
        model: `gpt" OR ""="`,
        tags: [hostile, '%', '_', '\\'],
        systemPrompt: 'SELECT * FROM sqlite_master; /* */ --',
        metadata: { [hostile]: hostile },
      });
      const bystander = makeRecord();
      await store.write([record, bystander]);
      expect(await store.get(record.id)).toStrictEqual(record);
      expect(await store.get(bystander.id)).toStrictEqual(bystander);
      expect(ids(await store.list({ userId: hostile }))).toEqual([record.id]);
      expect(ids(await store.list({ model: `gpt" OR ""="` }))).toEqual([record.id]);
      expect(ids(await store.list({ tags: ['%'] }))).toEqual([record.id]);
      expect(ids(await store.list({ tags: ['_', '\\'] }))).toEqual([record.id]);
      expect(ids(await store.list({ userId: "' OR '1'='1" }))).toEqual([]);
      expect(ids(await store.list({ tags: ["' OR 1=1 --"] }))).toEqual([]);
    });

    it('finds ids and trace ids of any text (NUL, a private-use character) by get, byTrace, pages and repricing', async () => {
      // A store that escapes what its database cannot hold must look these up escaped too.
      const odd = ['call-\u0000-nul', 'call-\uF8FF', 'call-\uF8FF0', 'call-\uF8FF\uF8FF'];
      const records = odd.map((id, index) =>
        makeRecord({ id, traceId: `trace-${id}`, cost: makeCost(`0.${index + 1}`) }),
      );
      await store.write(records);
      for (const record of records) {
        expect(await store.get(record.id)).toStrictEqual(record);
        expect(await store.byTrace(record.traceId)).toStrictEqual([record]);
      }
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 1, cursor });
        paged.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect([...paged].sort()).toEqual([...odd].sort());
      const repriced = makeCost('0.75');
      expect(await store.updateCosts(records.map((record) => ({ id: record.id, cost: repriced })))).toBe(odd.length);
      for (const record of records) {
        expect(await store.get(record.id)).toStrictEqual({ ...record, cost: repriced, costHistory: [record.cost] });
      }
      const [row] = await store.summary({});
      expect(row!.cost).toBe('3');
    });
  });
}
