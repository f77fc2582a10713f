import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSpool } from '../../src/delivery/file-spool.js';
import { makeRecord } from '../support/records.js';
import { spoolDirectory } from './support.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
const fresh = () => {
  const directory = spoolDirectory('spool');
  directories.push(directory);
  return directory;
};

describe('FileSpool', () => {
  it('returns records in append order, keeps them until acknowledged, and empties the file', () => {
    const directory = fresh();
    const spool = new FileSpool({ directory });
    const records = Array.from({ length: 7 }, () => makeRecord());
    spool.append(records.slice(0, 3));
    spool.append(records.slice(3));
    expect(spool.state.pending).toBe(7);
    expect(spool.peek(5)).toStrictEqual(records.slice(0, 5));
    // Not acknowledged: the same records again.
    expect(spool.peek(5)).toStrictEqual(records.slice(0, 5));
    spool.acknowledge();
    expect(spool.state.pending).toBe(2);
    expect(spool.peek(5)).toStrictEqual(records.slice(5));
    spool.acknowledge();
    expect(spool.state).toEqual({ pending: 0, bytes: 0 });
    expect(readFileSync(join(directory, 'spool.jsonl'), 'utf8')).toBe('');
    spool.close();
  });

  it('resumes after a restart from the acknowledged offset and cuts a torn last line', () => {
    const directory = fresh();
    const records = Array.from({ length: 4 }, () => makeRecord());
    const first = new FileSpool({ directory });
    first.append(records);
    first.peek(1);
    first.acknowledge();
    first.close();
    // A crash in the middle of an append leaves half a line.
    appendFileSync(join(directory, 'spool.jsonl'), '{"id":"torn');
    const second = new FileSpool({ directory });
    expect(second.state.pending).toBe(3);
    expect(second.peek(10)).toStrictEqual(records.slice(1));
    second.append([records[0]!]);
    expect(second.peek(10).map((record) => record.id)).toEqual([...records.slice(1), records[0]!].map((r) => r.id));
    second.close();
  });

  it('reads records larger than its read buffer', () => {
    const spool = new FileSpool({ directory: fresh() });
    const big = makeRecord({ messages: [{ role: 'user', content: 'x'.repeat(3_000_000) }] });
    const small = makeRecord();
    spool.append([big, small]);
    expect(spool.peek(10)).toStrictEqual([big, small]);
    spool.close();
  });

  it('moves an unreadable line to the dead letters and goes on', () => {
    const directory = fresh();
    const record = makeRecord();
    appendFileSync(join(directory, 'spool.jsonl'), 'not json\n');
    const spool = new FileSpool({ directory });
    spool.append([record]);
    expect(spool.peek(10)).toStrictEqual([record]);
    spool.acknowledge();
    expect(spool.state.pending).toBe(0);
    expect(readFileSync(join(directory, 'dead-letters.jsonl'), 'utf8')).toContain('unreadable spool line');
    spool.close();
  });

  it('refuses a directory another live spool holds, and takes over one left by a dead process', () => {
    const directory = fresh();
    const first = new FileSpool({ directory });
    expect(() => new FileSpool({ directory })).toThrow(/in use by another ledger of this process/);
    first.close();
    writeFileSync(join(directory, 'spool.lock'), '999999999');
    const second = new FileSpool({ directory });
    second.close();
  });
});
