import { StoreError } from './errors.js';

/** A failed store write as a StoreError; anything the store did not classify is taken as retryable. */
export function toStoreError(cause: unknown, count: number, storeKind: string): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError(`Writing ${count} records to the ${storeKind} store failed: ${errorMessage(cause)}`, {
    retryable: true,
    cause,
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
