import type { CallRecord } from '../../core/record.js';
import { operationName, providerName } from '../shared/gen-ai-names.js';
import { LABEL, type OptionalLabel } from './metric-names.js';

export type Labels = Record<string, string>;

export const OVERFLOW_VALUE = 'other';

const OPTIONAL_READERS: Readonly<Record<OptionalLabel, (record: CallRecord) => string | null>> = {
  user_id: (record) => record.userId,
  tenant_id: (record) => record.tenantId,
  session_id: (record) => record.sessionId,
  call_type: (record) => record.callType,
  request_mode: (record) => record.requestMode,
  response_model: (record) => record.responseModel,
};

type Node<T> = Map<string, Node<T> | T>;

/**
 * Maps a call to the state of its label combination, made once per combination by `create`,
 * and bounds how many combinations exist: past `maxLabelSets`, new ones share a single state
 * whose every label is `other`. Model names come from callers and user ids are unbounded, so
 * without a cap one bad input could grow the registry without end. Lookups walk nested maps,
 * one level per label, so no key string is built per call.
 */
export class LabelLimiter<T> {
  readonly names: readonly string[];
  private readonly readers: ReadonlyArray<(record: CallRecord) => string>;
  private readonly root: Node<T> = new Map();
  private readonly states: Array<readonly [Labels, T]> = [];
  private overflowState: T | undefined;
  /** Calls folded into the overflow combination. */
  overflowed = 0;

  constructor(
    optional: readonly OptionalLabel[],
    private readonly maxLabelSets: number,
    private readonly create: (labels: Labels) => T,
  ) {
    this.names = [LABEL.operation, LABEL.provider, LABEL.model, ...optional];
    this.readers = [
      (record) => operationName(record.callType),
      (record) => providerName(record.provider),
      (record) => record.model,
      ...optional.map((name) => (record: CallRecord) => OPTIONAL_READERS[name](record) ?? ''),
    ];
  }

  /** Every combination seen, with its labels, for scrape time. */
  entries(): ReadonlyArray<readonly [Labels, T]> {
    return this.states;
  }

  stateFor(record: CallRecord): T {
    const readers = this.readers;
    let node = this.root;
    const last = readers.length - 1;
    for (let level = 0; level < last; level++) {
      const value = readers[level]!(record);
      let next = node.get(value) as Node<T> | undefined;
      if (!next) {
        if (this.states.length >= this.maxLabelSets) return this.overflow();
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    const value = readers[last]!(record);
    const known = node.get(value) as T | undefined;
    if (known !== undefined) return known;
    if (this.states.length >= this.maxLabelSets) return this.overflow();
    const labels: Labels = {};
    for (let level = 0; level <= last; level++) labels[this.names[level]!] = readers[level]!(record);
    const state = this.create(labels);
    node.set(value, state);
    this.states.push([labels, state]);
    return state;
  }

  /** Forgets every combination (and the overflow one). */
  clear(): void {
    this.root.clear();
    this.states.length = 0;
    this.overflowState = undefined;
    this.overflowed = 0;
  }

  private overflow(): T {
    this.overflowed += 1;
    if (this.overflowState === undefined) {
      const labels = Object.fromEntries(this.names.map((name) => [name, OVERFLOW_VALUE]));
      this.overflowState = this.create(labels);
      this.states.push([labels, this.overflowState]);
    }
    return this.overflowState;
  }
}
