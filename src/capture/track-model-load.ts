import type { LedgerEvent } from '../core/handlers.js';

/** The part of a ledger `trackModelLoad` uses. */
export interface ModelLoadLedger {
  emit(event: LedgerEvent): void;
}

/**
 * Runs `load` (loading a self-hosted model: weights, a local server warming up) between
 * `model_load_started` and `model_load_completed` (with `duration_ms`) or `model_load_failed`
 * (with the error's message), and returns or rethrows what it did. The events go to the ledger's
 * handlers; the emoji log handler writes them with 🤖 and 💥.
 *
 * @example
 * const llama = await trackModelLoad(ledger, 'llama-3-8b-q4', () => loadLlama('./models/llama.gguf'));
 */
export async function trackModelLoad<T>(
  ledger: ModelLoadLedger,
  model: string,
  load: () => T | Promise<T>,
  fields: Record<string, unknown> = {},
): Promise<T> {
  const emit = (event: string, extra: Record<string, unknown>) => {
    try {
      ledger.emit({ event, model, fields: { ...fields, ...extra } });
    } catch {
      // Observing the load never changes it.
    }
  };
  emit('model_load_started', {});
  const started = performance.now();
  try {
    const loaded = await load();
    emit('model_load_completed', { duration_ms: Math.round((performance.now() - started) * 100) / 100 });
    return loaded;
  } catch (error) {
    emit('model_load_failed', {
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      error: error instanceof Error ? error.message : String(error),
      error_type: error instanceof Error ? error.name : typeof error,
    });
    throw error;
  }
}
