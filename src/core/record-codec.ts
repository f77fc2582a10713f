/**
 * A compact binary form of call records, written straight into memory outside the JavaScript heap.
 * Two uses: the main thread hands batches to the SQLite write worker in a SharedArrayBuffer (which
 * replaced postMessage's structured clone, about 4.5 µs per realistic record on the event loop,
 * with a walk that writes into memory the worker reads: no message copy, no allocation per batch);
 * and records waiting for a slow or stuck store are kept in this form (see PackedRecords), so that
 * a backlog of thousands is not copied by every young-generation collection.
 *
 * Values: null, undefined, booleans, numbers (float64, so -0, NaN and ±Infinity survive), strings,
 * arrays and plain objects (keys in their order, `__proto__` as an own key). Strings are exact:
 * ASCII as bytes, well-formed text as UTF-8, text with lone surrogates as UTF-16 code units (UTF-8
 * would replace them). Object keys are sent once per key table and then by number.
 *
 * Anything else in a field (a Date, a Map, a class instance, a BigInt, a cycle, a function) makes
 * that whole top-level field travel as its JSON form (through toSafeJson, without a length cap):
 * every store keeps fields only as JSON, and the spool keeps records as JSON lines, so what is
 * stored is the same.
 */
import type { CallRecord } from './record.js';
import { toSafeJson } from './sanitize.js';

const NULL = 0;
const UNDEFINED = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const ASCII = 5;
const UTF8 = 6;
const UTF16 = 7;
const ARRAY = 8;
const OBJECT = 9;
/** An object key seen before: its number follows. */
const KEY_REF = 10;
/** A new object key: its string follows and it gets the next number. */
const KEY_NEW = 11;
/** An object key sent as a string each time (the table is full). */
const KEY_INLINE = 12;
const HOLE = 13;
/** An optional field of the record that it does not have (as opposed to one set to undefined). */
const ABSENT = 14;

/**
 * The record's fields, in the order they are written: every field the store keeps. Other keys an
 * object passed as a record may have are not carried (the store has no column for them).
 */
const FIELDS = [
  'id',
  'traceId',
  'parentId',
  'sessionId',
  'userId',
  'tenantId',
  'requestId',
  'callType',
  'tags',
  'metadata',
  'provider',
  'model',
  'systemPrompt',
  'messages',
  'tools',
  'toolChoice',
  'params',
  'responseModel',
  'responseMessage',
  'finishReason',
  'tokens',
  'tokenSource',
  'cost',
  'costHistory',
  'startedAt',
  'endedAt',
  'latencyMs',
  'ttftMs',
  'requestMode',
  'streamed',
  'partial',
  'status',
  'errorType',
  'errorMessage',
  'httpStatus',
  'retryAfterMs',
  'problems',
  'cacheHit',
  'costSaved',
] as const satisfies ReadonlyArray<keyof CallRecord>;
// A field added to CallRecord must be added to FIELDS, or it would not reach the worker.
type MissingField = Exclude<keyof CallRecord, (typeof FIELDS)[number]>;
const everyField: [MissingField] extends [never] ? true : MissingField = true;
void everyField;

/** Keys remembered per worker: bounds the table when metadata keys are unbounded (ids as keys). */
const MAX_KEYS = 4_096;
/** Below this length a JavaScript loop writes an ASCII string faster than a native call. */
const SHORT_STRING = 40;
/** Deeper nesting is treated as a possible cycle: the field travels as JSON, which handles both. */
const MAX_DEPTH = 64;

/**
 * Buffer's own `utf8Write` (undocumented, present in every Node version this library supports,
 * and what msgpackr uses for the same reason) skips `write`'s argument handling, which profiled
 * as costly as the copy itself; `write` serves where it is missing.
 */
type FastBuffer = Buffer & { utf8Write?: (value: string, offset: number) => number };
const utf8Write: (bytes: Buffer, value: string, offset: number) => number =
  typeof (Buffer.prototype as FastBuffer).utf8Write === 'function'
    ? (bytes, value, offset) => (bytes as FastBuffer).utf8Write!(value, offset)
    : (bytes, value, offset) => bytes.write(value, offset, 'utf8');

/** The same for reading: Buffer's `latin1Slice` and `utf8Slice` skip `toString`'s argument handling. */
type FastSlices = Buffer & {
  latin1Slice?: (start: number, end: number) => string;
  utf8Slice?: (start: number, end: number) => string;
};
const latin1Slice: (bytes: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as FastSlices).latin1Slice === 'function'
    ? (bytes, start, end) => (bytes as FastSlices).latin1Slice!(start, end)
    : (bytes, start, end) => bytes.toString('latin1', start, end);
const utf8Slice: (bytes: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as FastSlices).utf8Slice === 'function'
    ? (bytes, start, end) => (bytes as FastSlices).utf8Slice!(start, end)
    : (bytes, start, end) => bytes.toString('utf8', start, end);

/** Thrown when the buffer is full; the encoder rewinds to the record's start. */
class OutOfSpace extends Error {}
const OUT_OF_SPACE = new OutOfSpace('the record does not fit in the remaining buffer');
/** Thrown when a value cannot be written as is; the field is written as its JSON form instead. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain('not plain data');

type Memory = ArrayBuffer | SharedArrayBuffer;

/**
 * Writes records into a buffer. Its key table numbers object keys as they are first written: a
 * decoder must either see every chunk in order (the worker's) or share the table (in-process).
 */
export class RecordEncoder<M extends Memory = SharedArrayBuffer> {
  private bytes: Buffer;
  private view: DataView<ArrayBufferLike>;
  private position = 0;
  private depth = 0;
  private readonly keys = new Map<string, number>();
  private readonly keyList: string[] = [];
  /** Object.prototype has enumerable keys (an application added some): for...in needs a check. */
  private inheritedKeys = false;

  constructor(private buffer: M) {
    this.bytes = Buffer.from(buffer);
    this.view = new DataView(buffer);
  }

  /** The buffer written to. */
  get shared(): M {
    return this.buffer;
  }

  /** Every key numbered so far, by number: what a decoder sharing this encoder's table reads. */
  get keyTable(): readonly string[] {
    return this.keyList;
  }

  /** Bytes written since `reset`. */
  get length(): number {
    return this.position;
  }

  /** Starts a new chunk at the buffer's beginning (after the worker has read the last one). */
  reset(): void {
    this.position = 0;
  }

  /** Replaces the buffer with a larger one of the same kind (a record larger than the whole buffer). */
  grow(): void {
    const size = this.buffer.byteLength * 2;
    this.use((this.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(size) : new ArrayBuffer(size)) as M);
  }

  /** Goes on writing at the start of `buffer` (the last one is kept by whoever reads it). */
  use(buffer: M): void {
    this.buffer = buffer;
    this.bytes = Buffer.from(buffer);
    this.view = new DataView(buffer);
    this.position = 0;
  }

  /** Appends `record`; false, with nothing written, when it does not fit in what is left. */
  write(record: CallRecord): boolean {
    const start = this.position;
    const keyCount = this.keyList.length;
    this.inheritedKeys = hasEnumerableKeys(Object.prototype);
    try {
      this.record(record);
      return true;
    } catch (error) {
      if (error !== OUT_OF_SPACE) throw error;
      this.position = start;
      // Keys first sent in the part that is dropped: the worker never sees them.
      while (this.keyList.length > keyCount) this.keys.delete(this.keyList.pop()!);
      return false;
    }
  }

  /**
   * The fields one by one, in FIELDS order: a named property read is much cheaper than
   * `record[name]` over 39 names (profiled: the latter was a fifth of the encoder's time).
   */
  private record(record: CallRecord): void {
    this.field(record, 'id', record.id);
    this.field(record, 'traceId', record.traceId);
    this.field(record, 'parentId', record.parentId);
    this.field(record, 'sessionId', record.sessionId);
    this.field(record, 'userId', record.userId);
    this.field(record, 'tenantId', record.tenantId);
    this.field(record, 'requestId', record.requestId);
    this.field(record, 'callType', record.callType);
    this.field(record, 'tags', record.tags);
    this.field(record, 'metadata', record.metadata);
    this.field(record, 'provider', record.provider);
    this.field(record, 'model', record.model);
    this.field(record, 'systemPrompt', record.systemPrompt);
    this.field(record, 'messages', record.messages);
    this.field(record, 'tools', record.tools);
    this.field(record, 'toolChoice', record.toolChoice);
    this.field(record, 'params', record.params);
    this.field(record, 'responseModel', record.responseModel);
    this.field(record, 'responseMessage', record.responseMessage);
    this.field(record, 'finishReason', record.finishReason);
    this.field(record, 'tokens', record.tokens);
    this.field(record, 'tokenSource', record.tokenSource);
    this.field(record, 'cost', record.cost);
    this.field(record, 'costHistory', record.costHistory);
    this.field(record, 'startedAt', record.startedAt);
    this.field(record, 'endedAt', record.endedAt);
    this.field(record, 'latencyMs', record.latencyMs);
    this.field(record, 'ttftMs', record.ttftMs);
    this.field(record, 'requestMode', record.requestMode);
    this.field(record, 'streamed', record.streamed);
    this.field(record, 'partial', record.partial);
    this.field(record, 'status', record.status);
    this.field(record, 'errorType', record.errorType);
    this.field(record, 'errorMessage', record.errorMessage);
    this.field(record, 'httpStatus', record.httpStatus);
    this.field(record, 'retryAfterMs', record.retryAfterMs);
    this.field(record, 'problems', record.problems);
    this.field(record, 'cacheHit', record.cacheHit);
    this.field(record, 'costSaved', record.costSaved);
  }

  private field(record: CallRecord, name: keyof CallRecord, value: unknown): void {
    if (value === undefined && !(name in record)) {
      this.ensure(1);
      this.bytes[this.position++] = ABSENT;
      return;
    }
    const start = this.position;
    const keyCount = this.keyList.length;
    try {
      this.depth = 0;
      this.value(value);
    } catch (error) {
      // Not plain data, or data that throws when read (a getter, a proxy's trap): the field's JSON
      // form, which is what a store keeps of it. Only running out of space ends the record.
      if (error === OUT_OF_SPACE) throw error;
      this.position = start;
      while (this.keyList.length > keyCount) this.keys.delete(this.keyList.pop()!);
      this.depth = 0;
      this.value(JSON.parse(toSafeJson(value, Number.MAX_SAFE_INTEGER)) as unknown);
    }
  }

  private value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'number':
        this.ensure(9);
        this.bytes[this.position] = NUMBER;
        this.view.setFloat64(this.position + 1, value, true);
        this.position += 9;
        return;
      case 'boolean':
        this.ensure(1);
        this.bytes[this.position++] = value ? TRUE : FALSE;
        return;
      case 'undefined':
        this.ensure(1);
        this.bytes[this.position++] = UNDEFINED;
        return;
      case 'object':
        if (value === null) {
          this.ensure(1);
          this.bytes[this.position++] = NULL;
          return;
        }
        if (++this.depth > MAX_DEPTH) throw NOT_PLAIN;
        if (Array.isArray(value)) this.array(value);
        else this.object(value);
        this.depth--;
        return;
      default:
        // bigint, function, symbol: their JSON form decides what is stored.
        throw NOT_PLAIN;
    }
  }

  private array(array: readonly unknown[]): void {
    if (Object.getPrototypeOf(array) !== Array.prototype) throw NOT_PLAIN;
    const length = array.length;
    this.ensure(5);
    this.bytes[this.position++] = ARRAY;
    this.view.setUint32(this.position, length, true);
    this.position += 4;
    for (let index = 0; index < length; index++) {
      if (index in array) this.value(array[index]);
      else {
        this.ensure(1);
        this.bytes[this.position++] = HOLE;
      }
    }
  }

  private object(object: object): void {
    const prototype = Object.getPrototypeOf(object) as unknown;
    if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
    // A plain object with its own toJSON is stored as what toJSON returns.
    if (typeof (object as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
    this.ensure(5);
    const header = this.position;
    this.bytes[header] = OBJECT;
    this.position += 5;
    let count = 0;
    // for...in rather than Object.keys: no array per object. With the prototype checked above it
    // visits the own enumerable keys in Object.keys order (and what an application added to
    // Object.prototype itself, which is skipped).
    const checkOwn = prototype !== null && this.inheritedKeys;
    for (const key in object) {
      if (checkOwn && !Object.hasOwn(object, key)) continue;
      this.key(key);
      this.value((object as Record<string, unknown>)[key]);
      count++;
    }
    this.view.setUint32(header + 1, count, true);
  }

  private key(key: string): void {
    const known = this.keys.get(key);
    if (known !== undefined) {
      this.ensure(3);
      this.bytes[this.position] = KEY_REF;
      this.view.setUint16(this.position + 1, known, true);
      this.position += 3;
      return;
    }
    if (this.keyList.length < MAX_KEYS) {
      this.ensure(1);
      this.bytes[this.position++] = KEY_NEW;
      this.string(key);
      this.keys.set(key, this.keyList.length);
      this.keyList.push(key);
      return;
    }
    this.ensure(1);
    this.bytes[this.position++] = KEY_INLINE;
    this.string(key);
  }

  private string(value: string): void {
    const length = value.length;
    // Tag, byte length, then at most 3 bytes per UTF-16 code unit (UTF-8's worst case).
    this.ensure(5 + 3 * length);
    const bytes = this.bytes;
    const start = this.position + 5;
    if (length < SHORT_STRING) {
      let index = 0;
      for (; index < length; index++) {
        const code = value.charCodeAt(index);
        if (code >= 0x80) break;
        bytes[start + index] = code;
      }
      if (index === length) {
        this.header(ASCII, length);
        return;
      }
    }
    const written = utf8Write(bytes, value, start);
    // Every non-ASCII code unit takes more than one byte: as many bytes as units means ASCII.
    if (written === length) this.header(ASCII, written);
    else if (value.isWellFormed()) this.header(UTF8, written);
    else this.header(UTF16, bytes.write(value, start, 'utf16le'));
  }

  private header(tag: number, byteLength: number): void {
    this.bytes[this.position] = tag;
    this.view.setUint32(this.position + 1, byteLength, true);
    this.position += 5 + byteLength;
  }

  private ensure(bytes: number): void {
    if (this.position + bytes > this.buffer.byteLength) throw OUT_OF_SPACE;
  }
}

function hasEnumerableKeys(object: object): boolean {
  for (const _key in object) return true;
  return false;
}

/** Stands for an absent field while a record is read. */
const ABSENT_VALUE: unknown = Symbol('absent');

/**
 * Reads what a RecordEncoder wrote. Either fed every chunk in order, learning the keys as they
 * come (the worker's), or given the encoder's own key table (in the same thread), when it may
 * read any chunk, any number of times.
 */
export class RecordDecoder {
  private bytes: Buffer = Buffer.alloc(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private buffer: Memory | undefined;
  private position = 0;
  private readonly keys: readonly string[];
  private readonly learnsKeys: boolean;
  /** Fields of the record being read that it does not have. */
  private absent = 0;

  constructor(keyTable?: readonly string[]) {
    this.learnsKeys = keyTable === undefined;
    this.keys = keyTable ?? [];
  }

  /** The `count` records in the first `length` bytes of `buffer`. */
  read(buffer: Memory, length: number, count: number): CallRecord[] {
    const records: CallRecord[] = [];
    const end = this.readAt(buffer, 0, count, records);
    if (end !== length) {
      throw new Error(`the record decoder read ${end} of ${length} bytes: the chunk is corrupt`);
    }
    return records;
  }

  /** Appends the `count` records that start at byte `start` of `buffer` to `into`; returns where they end. */
  readAt(buffer: Memory, start: number, count: number, into: CallRecord[]): number {
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.bytes = Buffer.from(buffer);
      this.view = new DataView(buffer);
    }
    this.position = start;
    for (let index = 0; index < count; index++) into.push(this.record());
    return this.position;
  }

  /** One object literal (one shape for every record) rather than 39 keyed stores: cheaper to build. */
  private record(): CallRecord {
    const record = {
      id: this.field(),
      traceId: this.field(),
      parentId: this.field(),
      sessionId: this.field(),
      userId: this.field(),
      tenantId: this.field(),
      requestId: this.field(),
      callType: this.field(),
      tags: this.field(),
      metadata: this.field(),
      provider: this.field(),
      model: this.field(),
      systemPrompt: this.field(),
      messages: this.field(),
      tools: this.field(),
      toolChoice: this.field(),
      params: this.field(),
      responseModel: this.field(),
      responseMessage: this.field(),
      finishReason: this.field(),
      tokens: this.field(),
      tokenSource: this.field(),
      cost: this.field(),
      costHistory: this.field(),
      startedAt: this.field(),
      endedAt: this.field(),
      latencyMs: this.field(),
      ttftMs: this.field(),
      requestMode: this.field(),
      streamed: this.field(),
      partial: this.field(),
      status: this.field(),
      errorType: this.field(),
      errorMessage: this.field(),
      httpStatus: this.field(),
      retryAfterMs: this.field(),
      problems: this.field(),
      cacheHit: this.field(),
      costSaved: this.field(),
    };
    // Optional fields the record did not have (rare): removed, so that it has the same keys.
    if (this.absent > 0) {
      for (const field of FIELDS) if (record[field] === ABSENT_VALUE) delete record[field];
      this.absent = 0;
    }
    return record as unknown as CallRecord;
  }

  private field(): unknown {
    if (this.bytes[this.position] !== ABSENT) return this.value();
    this.position++;
    this.absent++;
    return ABSENT_VALUE;
  }

  private value(): unknown {
    const tag = this.bytes[this.position++];
    switch (tag) {
      case NULL:
        return null;
      case UNDEFINED:
        return undefined;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case NUMBER: {
        const value = this.view.getFloat64(this.position, true);
        this.position += 8;
        return value;
      }
      case ASCII:
      case UTF8:
      case UTF16:
        return this.string(tag);
      case ARRAY: {
        const length = this.view.getUint32(this.position, true);
        this.position += 4;
        const array = new Array<unknown>(length);
        for (let index = 0; index < length; index++) {
          if (this.bytes[this.position] === HOLE) this.position++;
          else array[index] = this.value();
        }
        return array;
      }
      case OBJECT: {
        const count = this.view.getUint32(this.position, true);
        this.position += 4;
        const object: Record<string, unknown> = {};
        for (let index = 0; index < count; index++) {
          const key = this.key();
          const value = this.value();
          if (key === '__proto__') {
            Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
          } else object[key] = value;
        }
        return object;
      }
      default:
        throw new Error(`the record decoder met tag ${tag} at byte ${this.position - 1}: the chunk is corrupt`);
    }
  }

  private key(): string {
    const tag = this.bytes[this.position++];
    if (tag === KEY_REF) {
      const key = this.keys[this.view.getUint16(this.position, true)];
      this.position += 2;
      if (key === undefined) throw new Error('the record decoder met an unknown key number: the chunk is corrupt');
      return key;
    }
    const stringTag = this.bytes[this.position++]!;
    const key = this.string(stringTag);
    // With a shared table the key is in it already, under the number the encoder gave it.
    if (tag === KEY_NEW) {
      if (this.learnsKeys) (this.keys as string[]).push(key);
    } else if (tag !== KEY_INLINE) throw new Error(`the record decoder met key tag ${tag}: the chunk is corrupt`);
    return key;
  }

  private string(tag: number): string {
    const byteLength = this.view.getUint32(this.position, true);
    const start = this.position + 4;
    this.position = start + byteLength;
    if (tag === ASCII) return latin1Slice(this.bytes, start, start + byteLength);
    if (tag === UTF8) return utf8Slice(this.bytes, start, start + byteLength);
    if (tag === UTF16) return this.bytes.toString('utf16le', start, start + byteLength);
    throw new Error(`the record decoder met string tag ${tag}: the chunk is corrupt`);
  }
}
