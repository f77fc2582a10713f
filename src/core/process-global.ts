/**
 * A process-wide slot under a `Symbol.for` key on globalThis: every copy of llm-ledger loaded in
 * the process (a bundled one beside the one in node_modules) sees the same default ledger and
 * meter, instead of each creating its own database connection. Holding a slot does no I/O.
 */
export interface ProcessGlobal<T> {
  get(): T | undefined;
  set(value: T | undefined): void;
}

export function processGlobal<T>(name: string): ProcessGlobal<T> {
  const key = Symbol.for(`llm-ledger.${name}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  return {
    get: () => slots[key],
    set: (value) => {
      slots[key] = value;
    },
  };
}
