/**
 * Fuzz runs are bounded and reproducible in CI: a fixed seed and a small number of runs. Set
 * FUZZ_RUNS (runs per property) and FUZZ_SEED (an integer) to search longer or replay a failure.
 */
export const FUZZ_RUNS = positiveInteger(process.env.FUZZ_RUNS) ?? 100;
export const FUZZ_SEED = integer(process.env.FUZZ_SEED) ?? 17;

export const fuzzParameters = (runs: number = FUZZ_RUNS) => ({ numRuns: runs, seed: FUZZ_SEED });

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

function positiveInteger(value: string | undefined): number | undefined {
  const parsed = integer(value);
  return parsed !== undefined && parsed > 0 ? parsed : undefined;
}
