import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PriceDataError } from '../core/errors.js';
import { redactUrlCredentials } from '../core/redact-url.js';

/** A data file larger than this is refused: genai-prices' full data is about 0.5 MB. */
export const MAX_PRICE_DATA_BYTES = 64 * 1024 * 1024;

export interface ReadPriceDataOptions {
  /** Relative paths start here. Default `process.cwd()`. */
  cwd?: string;
  /** Gives up on a URL after this long. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** An `http(s)://` URL is fetched, anything else is a file path. */
export function isUrl(from: string): boolean {
  return /^https?:\/\//i.test(from);
}

/**
 * Reads the text of a price data file from a URL or a file. Throws PriceDataError when it cannot
 * be read (network failure, an HTTP error status, no such file, too large); the caller validates
 * the text with `parseGenaiPricesData`.
 *
 * @example
 * const text = await readPriceData(GENAI_PRICES_DATA_URL);
 */
export async function readPriceData(from: string, options: ReadPriceDataOptions = {}): Promise<string> {
  if (!isUrl(from)) {
    const path = resolve(options.cwd ?? process.cwd(), from);
    try {
      const text = await readFile(path, 'utf8');
      if (Buffer.byteLength(text) > MAX_PRICE_DATA_BYTES) throw tooLarge(path);
      return text;
    } catch (error) {
      if (error instanceof PriceDataError) throw error;
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new PriceDataError({ source: path, path: '', problem: `cannot be read (${reason})`, cause: error });
    }
  }
  const source = redactUrlCredentials(from);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(from, { signal, headers: { accept: 'application/json' } });
  } catch (error) {
    const reason = timeout.aborted ? `no answer within ${options.timeoutMs ?? 30_000} ms` : describe(error);
    throw new PriceDataError({ source, path: '', problem: `cannot be fetched (${reason})`, cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new PriceDataError({ source, path: '', problem: `the server answered HTTP ${response.status}` });
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_PRICE_DATA_BYTES) {
    await response.body?.cancel();
    throw tooLarge(source);
  }
  try {
    const text = await response.text();
    if (Buffer.byteLength(text) > MAX_PRICE_DATA_BYTES) throw tooLarge(source);
    return text;
  } catch (error) {
    if (error instanceof PriceDataError) throw error;
    throw new PriceDataError({ source, path: '', problem: `the download failed (${describe(error)})`, cause: error });
  }
}

function tooLarge(source: string): PriceDataError {
  return new PriceDataError({ source, path: '', problem: `larger than ${MAX_PRICE_DATA_BYTES} bytes` });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
