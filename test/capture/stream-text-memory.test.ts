import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

describe('a streamed record waiting in the store', () => {
  it('holds its text as one string, not one piece per delta', () => {
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(here, 'fixtures', 'streamed-record-heap.ts')],
      { encoding: 'utf8' },
    );
    const { records, bytesPerRecord, charsPerText } = JSON.parse(output) as {
      records: number;
      bytesPerRecord: number;
      charsPerText: number;
    };
    expect(records).toBe(301);
    // About 3.3 KB of text in 400 deltas. Kept as appended (400 pieces and 400 joins), a record held
    // 26 KB; with the text flat, 4.6 KB.
    expect(charsPerText).toBeGreaterThan(3_000);
    expect(bytesPerRecord).toBeLessThan(charsPerText * 3);
  });
});
