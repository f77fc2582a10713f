import fc from 'fast-check';

/**
 * How long the fuzz suite runs. CI (`npm test`): a fixed seed and a bounded number of runs, so a
 * failure is reproducible and the suite stays within seconds. `npm run fuzz`: a random seed and
 * many more runs. FUZZ_SEED and FUZZ_RUNS override either; a failure prints the seed to rerun.
 */
export const FUZZ_RUNS = positiveInteger(process.env.FUZZ_RUNS) ?? 150;
export const FUZZ_SEED =
  integer(process.env.FUZZ_SEED) ?? (process.env.FUZZ_RANDOM === '1' ? Math.floor(Math.random() * 2 ** 31) : 17);

/** Each test's timeout grows with the runs asked for (a loaded machine runs about 100 per second). */
export const FUZZ_TIMEOUT_MS = 30_000 + FUZZ_RUNS * 100;

function integer(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

function positiveInteger(text: string | undefined): number | undefined {
  const value = integer(text);
  if (value !== undefined && value <= 0) throw new Error(`FUZZ_RUNS must be positive, got ${JSON.stringify(text)}`);
  return value;
}

/** fc.assert with the suite's seed and runs; a failure names the seed and how to replay it. */
export async function assertProperty(property: fc.IAsyncProperty<[unknown]> | fc.IAsyncPropertyWithHooks<[unknown]>) {
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, endOnFailure: false });
  } catch (error) {
    const message = `fuzz failure with FUZZ_SEED=${FUZZ_SEED} (rerun: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} npx vitest run test/fuzz)`;
    console.error(message);
    throw new Error(`${message}\n${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The suite's seed and runs as fast-check parameters (`fc.assert(property, fuzzParameters())`). */
export const fuzzParameters = (runs: number = FUZZ_RUNS) => ({ numRuns: runs, seed: FUZZ_SEED });
