/**
 * Budgets and rate limits are checked before the provider is contacted, but the SDKs' `create`
 * returns its APIPromise synchronously and the check (a meter reservation, maybe in Redis) is
 * async. So the SDK call starts at once, as without us, and its request waits for the admission:
 * openai-node and @anthropic-ai/sdk await `client.prepareOptions(options)` before every request
 * (retries included) and let its rejection through unchanged, without retrying. The admission
 * travels in the request options under a symbol, which the SDKs' option spreads keep.
 */
export const ADMISSION = Symbol.for('llm-ledger.capture.admission');

const HOOKED = Symbol.for('llm-ledger.capture.admission-hook');

/** How a wrapped client's calls wait for their admission. */
export type AdmissionMode =
  /** The request options carry the admission; the client's `prepareOptions` awaits it. */
  | 'request-options'
  /** The method returns a promise anyway: it is called once the admission resolves. */
  | 'defer-call'
  /** Neither is possible: calls are settled against limits afterwards but not admitted. */
  | 'none';

type PrepareOptions = (this: unknown, options: unknown) => unknown;

/**
 * Makes the client's `prepareOptions` wait for the admission a request carries. Returns false when
 * the client has no such hook (not a Stainless-generated SDK).
 */
export function installAdmissionHook(client: object): boolean {
  const target = client as { prepareOptions?: PrepareOptions; [HOOKED]?: true };
  if (target[HOOKED]) return true;
  const original = target.prepareOptions;
  if (typeof original !== 'function') return false;
  const hooked = async function admittedPrepareOptions(this: unknown, options: unknown) {
    const admission = (options as { [ADMISSION]?: Promise<unknown> } | null)?.[ADMISSION];
    if (admission !== undefined) await admission;
    return original.call(this, options);
  };
  Object.defineProperty(target, 'prepareOptions', { value: hooked, configurable: true, writable: true });
  Object.defineProperty(target, HOOKED, { value: true });
  return true;
}

/** The call's arguments with the admission added to its request options (the caller's object is not changed). */
export function withAdmission(args: readonly unknown[], admission: Promise<unknown>): unknown[] {
  const options = args[1];
  const carried =
    typeof options === 'object' && options !== null
      ? { ...(options as object), [ADMISSION]: admission }
      : { [ADMISSION]: admission };
  return [args[0], carried, ...args.slice(2)];
}

/** Installs the hook only for a ledger with limits, so clients of other ledgers pay nothing. */
export function admissionModeOf(ledger: { readonly gated?: boolean }, client: object): AdmissionMode {
  if (ledger.gated !== true) return 'none';
  return installAdmissionHook(client) ? 'request-options' : 'none';
}
