import type { CaptureBinding } from './capture-defaults.js';

const ORIGINAL = Symbol.for('llm-ledger.capture.original');
const BINDING = Symbol.for('llm-ledger.capture.binding');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
interface Patched extends AnyFunction {
  [ORIGINAL]: AnyFunction;
  [BINDING]: { current: CaptureBinding };
}

/**
 * Replaces `target[name]` with an own property that records calls. The SDK resources are
 * instances, so helpers that call `this._client.chat.completions.create` (`.stream()`,
 * `.parse()`, `.runTools()`) reach the recording `create`, and each HTTP call is recorded once
 * without recording the helper too. Wrapping again rebinds the existing wrapper (latest ledger
 * and defaults) instead of stacking a second one.
 */
export function patchMethod(
  target: object,
  name: string,
  binding: CaptureBinding,
  record: (binding: CaptureBinding, original: AnyFunction, self: unknown, args: unknown[]) => unknown,
): void {
  const current = (target as Record<string, unknown>)[name];
  if (typeof current !== 'function') return;
  if (isPatched(current)) {
    current[BINDING].current = binding;
    return;
  }
  const original = current as AnyFunction;
  const box = { current: binding };
  const patched = function recordedMethod(this: unknown, ...args: unknown[]) {
    return record(box.current, original, this === undefined ? target : this, args);
  } as Patched;
  patched[ORIGINAL] = original;
  patched[BINDING] = box;
  Object.defineProperty(target, name, { value: patched, configurable: true, writable: true, enumerable: false });
}

function isPatched(value: unknown): value is Patched {
  return typeof value === 'function' && ORIGINAL in value;
}

/** The SDK's own method behind a recording wrapper, so a tracker that records itself does not record twice. */
export function originalMethod<F>(method: F): F {
  return isPatched(method) ? (method[ORIGINAL] as F) : method;
}
