/**
 * The test functions a contract suite runs with, passed in by the caller so that the suites never
 * import a test runner: vitest's and Jest's globals fit as they are (`{ describe, it, expect,
 * beforeEach, afterEach }`), and so does any runner with the same shapes.
 */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void): void;
  beforeEach(hook: () => Promise<void> | void): void;
  afterEach(hook: () => Promise<void> | void): void;
  expect: ContractExpect;
}

/** The assertions the suites use: a subset of vitest's and Jest's `expect`. */
export interface ContractExpect {
  (actual: unknown, message?: string): ContractAssertion;
  /** Matches an array holding at least these items (inside `toEqual`). */
  arrayContaining(items: readonly unknown[]): unknown;
}

export interface ContractMatchers<R> {
  toBe(expected: unknown): R;
  toEqual(expected: unknown): R;
  toStrictEqual(expected: unknown): R;
  toMatchObject(expected: object): R;
  toBeNull(): R;
  toBeUndefined(): R;
  toBeCloseTo(expected: number, digits?: number): R;
  toBeGreaterThan(expected: number): R;
  toBeLessThan(expected: number): R;
  toBeLessThanOrEqual(expected: number): R;
  toBeInstanceOf(expected: abstract new (...args: never[]) => unknown): R;
  toContain(item: unknown): R;
  toHaveLength(length: number): R;
  toThrow(expected?: unknown): R;
}

export interface ContractAssertion extends ContractMatchers<void> {
  not: ContractMatchers<void>;
  /** For a promise: awaits it and asserts on the value it resolved with. */
  resolves: ContractMatchers<Promise<void>> & { not: ContractMatchers<Promise<void>> };
  /** For a promise: awaits it and asserts on the reason it rejected with. */
  rejects: ContractMatchers<Promise<void>> & { not: ContractMatchers<Promise<void>> };
}
