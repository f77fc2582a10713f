import { MeterUnavailableError } from '../errors.js';

/**
 * `operation`, or a MeterUnavailableError after `ms`. The timer is unref'd: a pending backend
 * call never keeps the process alive on its own.
 */
export function withTimeout<T>(operation: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new MeterUnavailableError(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A MeterUnavailableError for any failure of a backend operation. */
export function asUnavailable(error: unknown): MeterUnavailableError {
  return error instanceof MeterUnavailableError
    ? error
    : new MeterUnavailableError(`Meter operation failed: ${(error as Error)?.message ?? error}`, error);
}
