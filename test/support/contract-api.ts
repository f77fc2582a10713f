import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContractTestApi } from '../../src/extend/contract/index.js';

/** vitest's functions, as the exported contract suites take them (and as a user would pass them). */
export const vitestApi: ContractTestApi = { describe, it, expect, beforeEach, afterEach };
