/**
 * `npm run chaos`: the long chaos run (10,000 calls by default). Prints one row per scenario and
 * whether the goals held. Options: --calls N, --duration MS (each scenario's length).
 */
import { parseArgs } from 'node:util';
import { budgetHeld, formatResults, runScenario, scenarios, type ScenarioResult } from './chaos-run.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '10000' }, duration: { type: 'string', default: '20000' } },
  strict: true,
});
const totalCalls = Number(values.calls);
const durationMs = Number(values.duration);
if (!Number.isInteger(totalCalls) || totalCalls < 100 || !Number.isFinite(durationMs) || durationMs < 2_000) {
  console.error('--calls must be an integer >= 100 and --duration a number of ms >= 2000');
  process.exit(2);
}

const results: ScenarioResult[] = [];
for (const scenario of scenarios(totalCalls, durationMs)) {
  process.stderr.write(`running ${scenario.name} (${scenario.calls} calls over ${durationMs} ms)...\n`);
  results.push(await runScenario(scenario));
}
console.log(formatResults(results));
const failures = results.flatMap((result) => goalFailures(result));
console.log(failures.length === 0 ? '\nall goals met' : `\ngoals missed:\n${failures.join('\n')}`);
process.exitCode = failures.length === 0 ? 0 : 1;

function goalFailures(result: ScenarioResult): string[] {
  const failures: string[] = [];
  if (result.missing > 0) failures.push(`${result.name}: ${result.missing} calls without a record`);
  if (result.duplicates > 0) failures.push(`${result.name}: ${result.duplicates} duplicate records`);
  if (result.settled !== null && result.settled !== result.records) {
    failures.push(`${result.name}: meter counted ${result.settled} requests for ${result.records} records`);
  }
  if (!budgetHeld(result)) {
    failures.push(
      `${result.name}: budget used ${result.budgetUsed} over its limit ${result.budgetLimit} plus the ${result.reportedOverspend ?? 0} tokens reported as spent while the meter was down`,
    );
  }
  return failures;
}
