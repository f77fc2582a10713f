import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { PgClientLike } from './pg-pool.js';

/** `pg-copy-streams`' `from`: a COPY ... FROM STDIN query that is also a Writable. */
type CopyFrom = (sql: string) => Writable;

let copyFrom: CopyFrom | null | undefined;

/**
 * `pg-copy-streams`, when installed (an optional peer, like `pg`): loaded on first use with
 * require, as `pg` is. Without it the store writes with multi-row INSERTs.
 */
export function loadCopyFrom(): CopyFrom | undefined {
  if (copyFrom === undefined) {
    try {
      copyFrom = (createRequire(import.meta.url)('pg-copy-streams') as { from: CopyFrom }).from;
    } catch {
      copyFrom = null;
    }
  }
  return copyFrom ?? undefined;
}

/**
 * Whether COPY can run on this connection: a `pg` client (it has a protocol connection and takes
 * submittable queries). A wrapper pool that only forwards text queries gets INSERTs.
 */
export function canCopy(client: PgClientLike): boolean {
  return typeof (client as { connection?: unknown }).connection === 'object';
}

// Backslash, newline, carriage return and tab are COPY text format's delimiters and escapes.
const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') {
    return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (match) => ESCAPED[match]!) : value;
  }
  // Numbers (including NaN and ±Infinity, which float8 reads by name), 0/1 booleans.
  return String(value);
}

/** Rows of `width` values each, from `values`, as COPY text format lines, in chunks of about `chunkChars`. */
export function copyTextChunks(values: readonly unknown[], width: number, chunkChars = 1 << 16): string[] {
  const chunks: string[] = [];
  let chunk = '';
  for (let offset = 0; offset < values.length; offset += width) {
    let line = field(values[offset]);
    for (let column = 1; column < width; column++) line += `\t${field(values[offset + column])}`;
    chunk += `${line}\n`;
    if (chunk.length >= chunkChars) {
      chunks.push(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') chunks.push(chunk);
  return chunks;
}

/** Runs `COPY ... FROM STDIN` on the client with the given text chunks; resolves when the server has them all. */
export function copyIn(client: PgClientLike, from: CopyFrom, sql: string, chunks: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = (client as unknown as { query(submittable: Writable): Writable }).query(from(sql));
    // `on`, not `once`: the driver may report a dropped connection after the COPY's own error,
    // and an 'error' event without a listener would crash the host.
    stream.on('error', reject);
    stream.once('finish', () => resolve());
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}
